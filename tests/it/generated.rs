//! The benchmark generator writes playbooks that check clean, at any size.

#[test]
fn generated_playbooks_check_without_a_diagnostic() {
    for steps in [1, 9, 10, 11, 37, 200] {
        let text = crate::generate::playbook(steps, steps);
        let c = playbook::compile_str("generated.playbook", &text);
        let rendered: Vec<String> = c
            .diagnostics
            .iter()
            .map(|d| d.render(&c.sources, false, 100))
            .collect();
        assert!(
            c.diagnostics.is_empty(),
            "{steps} steps:\n{}",
            rendered.join("\n")
        );
        let model = c.model.expect("a model");
        assert_eq!(model.steps.len(), steps);
        assert_eq!(model.tasks.len(), steps.div_ceil(10));
    }
}

/// The wide playbooks of `bench/wide.sh` are what they claim: the enum and
/// match shapes check clean, and the catalogue's every key is reported as
/// one it does not know.
#[test]
fn wide_playbooks_check_with_only_the_diagnostics_they_are_built_for() {
    use crate::generate::{Wide, wide};
    for shape in Wide::ALL {
        for n in [1, 2, 50] {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let (text, catalogue) = wide(shape, n);
            let path = dir.path().join("wide.playbook");
            std::fs::write(&path, text).expect("write the playbook");
            if let Some(c) = catalogue {
                std::fs::write(dir.path().join("wide.zh.toml"), c).expect("write the catalogue");
            }
            let c = playbook::compile(&path, &playbook::fs::FsLoader::default())
                .expect("the playbook is readable");
            let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.name()).collect();
            match shape {
                Wide::Catalogue => {
                    let unknown = codes
                        .iter()
                        .filter(|c| **c == "unknown-translation-key")
                        .count();
                    assert_eq!(unknown, n, "{shape:?} {n}: {codes:?}");
                }
                _ => assert!(codes.is_empty(), "{shape:?} {n}: {codes:?}"),
            }
        }
    }
}
