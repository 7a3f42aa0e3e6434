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
