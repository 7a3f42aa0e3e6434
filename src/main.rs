fn main() {
    std::process::exit(playbook::cli::run(std::env::args_os()));
}
