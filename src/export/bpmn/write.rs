//! The BPMN XML, written with quick-xml: the library escapes every text and
//! attribute. Characters XML 1.0 cannot carry at all (most control
//! characters) are replaced by U+FFFD first.

use super::layout::{Bounds, Diagram};
use super::text::Texts;
use super::{FormField, Kind, Node, Process, Target};
use crate::ir::Playbook;
use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::borrow::Cow;

const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMNDI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const DC: &str = "http://www.omg.org/spec/DD/20100524/DC";
const DI: &str = "http://www.omg.org/spec/DD/20100524/DI";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const CAMUNDA: &str = "http://camunda.org/schema/1.0/bpmn";
const ZEEBE: &str = "http://camunda.org/schema/zeebe/1.0";
const MODELER: &str = "http://camunda.org/schema/modeler/1.0";
const SPIFFWORKFLOW: &str = "http://spiffworkflow.org/bpmn/schema/1.0/core";
/// The Camunda 8 version the `camunda8` export declares (and is linted
/// against, with the rules of `bpmnlint-plugin-camunda-compat`).
pub const CAMUNDA8_VERSION: &str = "8.8.0";

/// Text XML 1.0 can hold: control characters other than tab, line feed and
/// carriage return, and the non-characters U+FFFE and U+FFFF, become U+FFFD.
fn xml_safe(text: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if text.chars().any(bad) {
        Cow::Owned(
            text.chars()
                .map(|c| if bad(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// A one-line label: line breaks and tabs become spaces.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, xml_safe(v).as_ref()));
        }
        self.event(Event::Start(e));
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, xml_safe(v).as_ref()));
        }
        self.event(Event::Empty(e));
    }

    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs>text</name>`.
    fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        // Quotes need no escape in element text; `<`, `>`, `&` and
        // carriage returns do.
        let escaped = partial_escape(xml_safe(text));
        self.event(Event::Text(BytesText::from_escaped(escaped)));
        self.close(name);
    }

    fn event(&mut self, e: Event) {
        // Writing to a vector cannot fail.
        self.w
            .write_event(e)
            .expect("writing XML to memory cannot fail");
    }
}

pub fn write(model: &Playbook, texts: &Texts, p: &Process, d: &Diagram, target: Target) -> String {
    // About 530 bytes an element or flow, with its shape in the diagram
    // (measured on generated playbooks): one allocation of about the
    // right size, not a copy at each doubling of a document of hundreds
    // of megabytes.
    let estimate = (p.nodes.len() + p.flows.len()).saturating_mul(560);
    let mut x = Xml {
        w: Writer::new_with_indent(Vec::with_capacity(estimate), b' ', 2),
    };
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let id = &model.id;
    let title = model
        .header
        .title
        .as_ref()
        .map(|t| one_line(&texts.text(t)))
        .unwrap_or_else(|| id.clone());
    let definitions = format!("Definitions_{id}");
    let namespace = format!("urn:playbook:{id}");
    let process_id = format!("Process_{id}");
    let participant = format!("Participant_{id}");
    let mut attrs = vec![
        ("xmlns:bpmn", BPMN),
        ("xmlns:bpmndi", BPMNDI),
        ("xmlns:dc", DC),
        ("xmlns:di", DI),
        ("xmlns:xsi", XSI),
    ];
    match target {
        Target::BpmnEngine => attrs.push(("xmlns:camunda", CAMUNDA)),
        Target::Camunda8 => {
            attrs.push(("xmlns:zeebe", ZEEBE));
            attrs.push(("xmlns:modeler", MODELER));
        }
        Target::SpiffWorkflow => attrs.push(("xmlns:spiffworkflow", SPIFFWORKFLOW)),
    }
    attrs.extend([
        ("id", definitions.as_str()),
        ("targetNamespace", namespace.as_str()),
        ("exporter", "playbook"),
        ("exporterVersion", env!("CARGO_PKG_VERSION")),
    ]);
    if target == Target::Camunda8 {
        attrs.push(("modeler:executionPlatform", "Camunda Cloud"));
        attrs.push(("modeler:executionPlatformVersion", CAMUNDA8_VERSION));
    }
    x.open("bpmn:definitions", &attrs);

    x.open(
        "bpmn:collaboration",
        &[("id", &format!("Collaboration_{id}"))],
    );
    x.open(
        "bpmn:participant",
        &[
            ("id", &participant),
            ("name", &title),
            ("processRef", &process_id),
        ],
    );
    if let Some(description) = &model.header.description {
        x.text("bpmn:documentation", &[], &texts.text(description));
    }
    x.close("bpmn:participant");
    x.close("bpmn:collaboration");

    x.open(
        "bpmn:process",
        &[
            ("id", &process_id),
            ("name", &title),
            ("isExecutable", "true"),
        ],
    );
    if let Some(overview) = &model.header.overview {
        x.text("bpmn:documentation", &[], &texts.text(overview));
    }
    if !p.lanes.is_empty() {
        x.open("bpmn:laneSet", &[("id", &format!("LaneSet_{id}"))]);
        for (i, lane) in p.lanes.iter().enumerate() {
            x.open(
                "bpmn:lane",
                &[("id", &lane.id), ("name", &one_line(&lane.name))],
            );
            for node in p.nodes.iter().filter(|n| n.lane == i && n.parent.is_none()) {
                x.text("bpmn:flowNodeRef", &[], &node.id);
            }
            x.close("bpmn:lane");
        }
        x.close("bpmn:laneSet");
    }
    // The nodes and flows of the process and of each sub-process, found in
    // one pass (a search per sub-process made large playbooks quadratic).
    let mut contents = Contents {
        nodes: vec![Vec::new(); p.nodes.len() + 1],
        flows: vec![Vec::new(); p.nodes.len() + 1],
        items: loop_items(p, target),
    };
    for (i, node) in p.nodes.iter().enumerate() {
        contents.nodes[node.parent.map_or(0, |x| x + 1)].push(i);
    }
    for (i, f) in p.flows.iter().enumerate() {
        contents.flows[p.nodes[f.source].parent.map_or(0, |x| x + 1)].push(i);
    }
    elements(&mut x, p, None, target, &contents);
    x.close("bpmn:process");

    // The diagram.
    x.open("bpmndi:BPMNDiagram", &[("id", &format!("Diagram_{id}"))]);
    x.open(
        "bpmndi:BPMNPlane",
        &[
            ("id", &format!("Plane_{id}")),
            ("bpmnElement", &format!("Collaboration_{id}")),
        ],
    );
    shape(&mut x, &participant, d.pool, &[("isHorizontal", "true")]);
    for (lane, bounds) in p.lanes.iter().zip(&d.lanes) {
        shape(&mut x, &lane.id, *bounds, &[("isHorizontal", "true")]);
    }
    for (node, bounds) in p.nodes.iter().zip(&d.nodes) {
        let extra: &[(&str, &str)] = match node.kind {
            Kind::Exclusive => &[("isMarkerVisible", "true")],
            Kind::SubProcess => &[("isExpanded", "true")],
            _ => &[],
        };
        shape(&mut x, &node.id, *bounds, extra);
    }
    for (f, points) in p.flows.iter().zip(&d.flows) {
        x.open(
            "bpmndi:BPMNEdge",
            &[("id", &format!("{}_di", f.id)), ("bpmnElement", &f.id)],
        );
        for (px, py) in points {
            x.empty(
                "di:waypoint",
                &[("x", &px.to_string()), ("y", &py.to_string())],
            );
        }
        x.close("bpmndi:BPMNEdge");
    }
    x.close("bpmndi:BPMNPlane");
    x.close("bpmndi:BPMNDiagram");
    x.close("bpmn:definitions");
    let mut out = String::from_utf8(x.w.into_inner()).unwrap_or_default();
    out.push('\n');
    out
}

fn loop_items(p: &Process, target: Target) -> Vec<String> {
    let mut taken = rustc_hash::FxHashSet::default();
    // The next suffix to try for each element: every loop over `service`
    // would otherwise try `service`, `service_2`, … again.
    let mut next: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    p.nodes
        .iter()
        .map(|node| match &node.kind {
            Kind::UserTask {
                each: Some((_, element)),
                ..
            } if target == Target::SpiffWorkflow => {
                let mut id = element.clone();
                let n = next.entry(element.as_str()).or_insert(2);
                while !taken.insert(id.clone()) {
                    id = format!("{element}_{n}");
                    *n += 1;
                }
                id
            }
            _ => String::new(),
        })
        .collect()
}

fn shape(x: &mut Xml, element: &str, b: Bounds, extra: &[(&str, &str)]) {
    let id = format!("{element}_di");
    let mut attrs = vec![("id", id.as_str()), ("bpmnElement", element)];
    attrs.extend_from_slice(extra);
    x.open("bpmndi:BPMNShape", &attrs);
    x.empty(
        "dc:Bounds",
        &[
            ("x", &b.x.to_string()),
            ("y", &b.y.to_string()),
            ("width", &b.width.to_string()),
            ("height", &b.height.to_string()),
        ],
    );
    x.close("bpmndi:BPMNShape");
}

/// The nodes and flows of the process (`parent` none) or of a sub-process.
/// The nodes and flows directly in the process (index 0) and in each
/// sub-process (its index + 1).
struct Contents {
    nodes: Vec<Vec<usize>>,
    flows: Vec<Vec<usize>>,
    /// The `spiffworkflow` export: the id of each loop task's input data
    /// item, by node (empty for other nodes). An XML id, so unique in the
    /// document: the loop variable, then `_2`, `_3` where two loops have
    /// the same.
    items: Vec<String>,
}

fn elements(x: &mut Xml, p: &Process, parent: Option<usize>, target: Target, c: &Contents) {
    let slot = parent.map_or(0, |x| x + 1);
    for &i in &c.nodes[slot] {
        flow_node(x, p, i, &p.nodes[i], target, c);
    }
    for f in c.flows[slot].iter().map(|&f| &p.flows[f]) {
        let mut attrs = vec![("id", f.id.as_str())];
        let name = f.name.as_deref().map(one_line);
        if let Some(name) = &name {
            attrs.push(("name", name));
        }
        attrs.push(("sourceRef", &p.nodes[f.source].id));
        attrs.push(("targetRef", &p.nodes[f.target].id));
        match &f.condition {
            Some(script) => {
                x.open("bpmn:sequenceFlow", &attrs);
                let language: &[(&str, &str)] = match target {
                    Target::BpmnEngine => &[
                        ("xsi:type", "bpmn:tFormalExpression"),
                        ("language", "javascript"),
                    ],
                    Target::Camunda8 | Target::SpiffWorkflow => {
                        &[("xsi:type", "bpmn:tFormalExpression")]
                    }
                };
                x.text("bpmn:conditionExpression", language, script);
                x.close("bpmn:sequenceFlow");
            }
            None => x.empty("bpmn:sequenceFlow", &attrs),
        }
    }
}

fn flow_node(x: &mut Xml, p: &Process, index: usize, node: &Node, target: Target, c: &Contents) {
    let camunda8 = target == Target::Camunda8;
    let spiff = target == Target::SpiffWorkflow;
    let tag = match node.kind {
        Kind::Start { .. } => "bpmn:startEvent",
        Kind::End => "bpmn:endEvent",
        Kind::UserTask { .. } => "bpmn:userTask",
        // Camunda 8 sets an outcome by an output mapping of a task that
        // does nothing else (see `zeebe_extensions`).
        Kind::ScriptTask { outcome: true, .. } if camunda8 => "bpmn:task",
        Kind::ScriptTask { .. } => "bpmn:scriptTask",
        Kind::Exclusive => "bpmn:exclusiveGateway",
        Kind::Parallel => "bpmn:parallelGateway",
        Kind::SubProcess => "bpmn:subProcess",
    };
    let name = node.name.as_deref().map(one_line);
    let mut attrs: Vec<(&str, &str)> = vec![("id", &node.id)];
    if let Some(name) = &name {
        attrs.push(("name", name));
    }
    if let Kind::UserTask {
        role: Some(role), ..
    } = &node.kind
        && target == Target::BpmnEngine
    {
        attrs.push(("camunda:candidateGroups", role));
    }
    if let Kind::ScriptTask { .. } = node.kind
        && !camunda8
    {
        attrs.push(("scriptFormat", if spiff { "python" } else { "javascript" }));
    }
    let default = node.default.map(|f| p.flows[f].id.as_str());
    if let Some(default) = default {
        attrs.push(("default", default));
    }
    x.open(tag, &attrs);
    if let Some(doc) = &node.documentation {
        x.text("bpmn:documentation", &[], doc);
    }
    let fields: &[FormField] = match &node.kind {
        Kind::Start { fields } | Kind::UserTask { fields, .. } => fields,
        _ => &[],
    };
    if camunda8 {
        zeebe_extensions(x, node);
    } else if spiff {
        spiff_extensions(x, fields, c.items.get(index).filter(|i| !i.is_empty()));
    } else if !fields.is_empty() {
        x.open("bpmn:extensionElements", &[]);
        x.open("camunda:formData", &[]);
        for f in fields {
            let attrs = [
                ("id", f.id.as_str()),
                ("label", &one_line(&f.label)),
                ("type", f.kind),
            ];
            if f.values.is_empty() {
                x.empty("camunda:formField", &attrs);
            } else {
                x.open("camunda:formField", &attrs);
                for (id, label) in &f.values {
                    x.empty("camunda:value", &[("id", id), ("name", &one_line(label))]);
                }
                x.close("camunda:formField");
            }
        }
        x.close("camunda:formData");
        x.close("bpmn:extensionElements");
    }
    for f in &node.incoming {
        x.text("bpmn:incoming", &[], &p.flows[*f].id);
    }
    for f in &node.outgoing {
        x.text("bpmn:outgoing", &[], &p.flows[*f].id);
    }
    if let Kind::UserTask {
        each: Some((collection, element)),
        ..
    } = &node.kind
        && camunda8
    {
        x.open(
            "bpmn:multiInstanceLoopCharacteristics",
            &[("isSequential", "true")],
        );
        x.open("bpmn:extensionElements", &[]);
        x.empty(
            "zeebe:loopCharacteristics",
            &[("inputCollection", collection), ("inputElement", element)],
        );
        x.close("bpmn:extensionElements");
        x.close("bpmn:multiInstanceLoopCharacteristics");
    } else if let Kind::UserTask {
        each: Some((collection, element)),
        ..
    } = &node.kind
        && spiff
    {
        // The element variable is the input data item (its id is the name
        // in the task's data); the instance's post-script removes it before
        // the instance's data joins the task's (see `spiff_extensions`).
        x.open(
            "bpmn:multiInstanceLoopCharacteristics",
            &[
                ("isSequential", "true"),
                ("spiffworkflow:scriptsOnInstances", "true"),
            ],
        );
        x.text("bpmn:loopDataInputRef", &[], collection);
        x.empty(
            "bpmn:inputDataItem",
            &[("id", &c.items[index]), ("name", element)],
        );
        x.close("bpmn:multiInstanceLoopCharacteristics");
    } else if let Kind::UserTask {
        each: Some((collection, element)),
        ..
    } = &node.kind
    {
        x.empty(
            "bpmn:multiInstanceLoopCharacteristics",
            &[
                ("isSequential", "true"),
                ("camunda:collection", collection),
                ("camunda:elementVariable", element),
            ],
        );
    }
    if let Kind::ScriptTask { script, .. } = &node.kind
        && !camunda8
    {
        x.text("bpmn:script", &[], script);
    }
    if let Kind::SubProcess = node.kind {
        elements(x, p, Some(index), target, c);
    }
    x.close(tag);
}

/// The extension elements of a task of the `spiffworkflow` export: its
/// questions, a property per form field (`field:<variable>`, its type:
/// `boolean`, `long`, `string`, `date`, or `enum:` and the values); for an
/// instance of a loop, a post-script that deletes the loop's item.
/// SpiffWorkflow merges an instance's data into the loop task's when the
/// instance completes, answers included, and refuses to start the next
/// instance while the item is there.
fn spiff_extensions(x: &mut Xml, fields: &[FormField], item: Option<&String>) {
    if fields.is_empty() && item.is_none() {
        return;
    }
    x.open("bpmn:extensionElements", &[]);
    if let Some(item) = item {
        x.text("spiffworkflow:postScript", &[], &format!("del {item}"));
    }
    if fields.is_empty() {
        x.close("bpmn:extensionElements");
        return;
    }
    x.open("spiffworkflow:properties", &[]);
    for f in fields {
        let kind = if f.values.is_empty() {
            f.kind.to_string()
        } else {
            let ids: Vec<&str> = f.values.iter().map(|(id, _)| id.as_str()).collect();
            format!("{}:{}", f.kind, ids.join(","))
        };
        x.empty(
            "spiffworkflow:property",
            &[("name", &format!("field:{}", f.id)), ("value", &kind)],
        );
    }
    x.close("spiffworkflow:properties");
    x.close("bpmn:extensionElements");
}

/// The `zeebe:*` extension elements of a node of the `camunda8` export: a
/// Camunda user task with its form and candidate group; an outcome (a
/// `set`) as a `zeebe:ioMapping` output whose FEEL source is the value and
/// whose target the variable; the values a loop walks as a FEEL script with
/// its result variable.
fn zeebe_extensions(x: &mut Xml, node: &Node) {
    match &node.kind {
        Kind::UserTask { role, .. } => {
            x.open("bpmn:extensionElements", &[]);
            x.empty("zeebe:userTask", &[]);
            x.empty("zeebe:formDefinition", &[("formId", &form_id(node))]);
            if let Some(role) = role {
                x.empty("zeebe:assignmentDefinition", &[("candidateGroups", role)]);
            }
            x.close("bpmn:extensionElements");
        }
        Kind::ScriptTask {
            script,
            result: Some(result),
            outcome: true,
        } => {
            x.open("bpmn:extensionElements", &[]);
            x.open("zeebe:ioMapping", &[]);
            x.empty("zeebe:output", &[("source", script), ("target", result)]);
            x.close("zeebe:ioMapping");
            x.close("bpmn:extensionElements");
        }
        Kind::ScriptTask {
            script,
            result: Some(result),
            outcome: false,
        } => {
            x.open("bpmn:extensionElements", &[]);
            x.empty(
                "zeebe:script",
                &[("expression", script), ("resultVariable", result)],
            );
            x.close("bpmn:extensionElements");
        }
        _ => {}
    }
}

fn form_id(node: &Node) -> String {
    format!("Form_{}", node.id)
}

/// The Camunda forms of the user tasks, id and JSON: the task's name and
/// documentation as text, then its fields.
pub fn forms(p: &Process) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for node in &p.nodes {
        let Kind::UserTask { fields, .. } = &node.kind else {
            continue;
        };
        let id = form_id(node);
        let mut text = format!("### {}", one_line(node.name.as_deref().unwrap_or(&node.id)));
        if let Some(doc) = &node.documentation {
            text.push_str("\n\n");
            text.push_str(doc);
        }
        let mut components = vec![serde_json::json!({
            "type": "text", "id": "Text_task", "text": text
        })];
        components.extend(fields.iter().map(|f| {
            let label = one_line(&f.label);
            let key = f.id.as_str();
            let field_id = format!("Field_{key}");
            match f.kind {
                "boolean" => serde_json::json!({
                    "type": "checkbox", "id": field_id, "key": key, "label": label
                }),
                "long" => serde_json::json!({
                    "type": "number", "id": field_id, "key": key, "label": label,
                    "decimalDigits": 0
                }),
                "date" => serde_json::json!({
                    "type": "datetime", "subtype": "date", "id": field_id, "key": key,
                    "dateLabel": label
                }),
                "enum" => serde_json::json!({
                    "type": "select", "id": field_id, "key": key, "label": label,
                    "values": f.values.iter().map(|(v, l)| serde_json::json!({
                        "value": v, "label": one_line(l)
                    })).collect::<Vec<_>>()
                }),
                _ => serde_json::json!({
                    "type": "textfield", "id": field_id, "key": key, "label": label
                }),
            }
        }));
        let form = serde_json::json!({
            "id": id,
            "type": "default",
            "schemaVersion": 16,
            "executionPlatform": "Camunda Cloud",
            "executionPlatformVersion": CAMUNDA8_VERSION,
            "exporter": { "name": "playbook", "version": env!("CARGO_PKG_VERSION") },
            "components": components,
        });
        let json = serde_json::to_string_pretty(&form).unwrap_or_default() + "\n";
        out.push((id, json));
    }
    out
}
