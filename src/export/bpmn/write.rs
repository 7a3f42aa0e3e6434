//! The BPMN XML, written with quick-xml: the library escapes every text and
//! attribute. Characters XML 1.0 cannot carry at all (most control
//! characters) are replaced by U+FFFD first.

use super::layout::{Bounds, Diagram};
use super::text::Texts;
use super::{FormField, Kind, Node, Process};
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

pub fn write(model: &Playbook, texts: &Texts, p: &Process, d: &Diagram) -> String {
    let mut x = Xml {
        w: Writer::new_with_indent(Vec::new(), b' ', 2),
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
    x.open(
        "bpmn:definitions",
        &[
            ("xmlns:bpmn", BPMN),
            ("xmlns:bpmndi", BPMNDI),
            ("xmlns:dc", DC),
            ("xmlns:di", DI),
            ("xmlns:xsi", XSI),
            ("xmlns:camunda", CAMUNDA),
            ("id", &definitions),
            ("targetNamespace", &namespace),
            ("exporter", "playbook"),
            ("exporterVersion", env!("CARGO_PKG_VERSION")),
        ],
    );

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
    elements(&mut x, p, None);
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
fn elements(x: &mut Xml, p: &Process, parent: Option<usize>) {
    for (i, node) in p.nodes.iter().enumerate() {
        if node.parent == parent {
            flow_node(x, p, i, node);
        }
    }
    for f in p
        .flows
        .iter()
        .filter(|f| p.nodes[f.source].parent == parent)
    {
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
                x.text(
                    "bpmn:conditionExpression",
                    &[
                        ("xsi:type", "bpmn:tFormalExpression"),
                        ("language", "javascript"),
                    ],
                    script,
                );
                x.close("bpmn:sequenceFlow");
            }
            None => x.empty("bpmn:sequenceFlow", &attrs),
        }
    }
}

fn flow_node(x: &mut Xml, p: &Process, index: usize, node: &Node) {
    let tag = match node.kind {
        Kind::Start { .. } => "bpmn:startEvent",
        Kind::End => "bpmn:endEvent",
        Kind::UserTask { .. } => "bpmn:userTask",
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
    {
        attrs.push(("camunda:candidateGroups", role));
    }
    if let Kind::ScriptTask { .. } = node.kind {
        attrs.push(("scriptFormat", "javascript"));
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
    if !fields.is_empty() {
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
    if let Kind::ScriptTask { script } = &node.kind {
        x.text("bpmn:script", &[], script);
    }
    if let Kind::SubProcess = node.kind {
        elements(x, p, Some(index));
    }
    x.close(tag);
}
