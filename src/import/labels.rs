//! The words the importer recognises, in English, Simplified Chinese,
//! German, Japanese, Portuguese and Spanish. Matching is on the lower-cased
//! label with its trailing colon and emphasis removed.

/// What a heading or a `Label: value` line means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Phase,
    PrimaryRole,
    /// The participants our own export lists under the primary role.
    OtherRoles,
    Motions,
    AppliesTo,
    Overview,
    Objectives,
    Approach,
    KeyInputs,
    KeyOutputs,
    NextSteps,
    Refresh,
    Tasks,
    StepInputs,
    StepOutputs,
}

const WORDS: &[(Label, &[&str])] = &[
    (Label::Phase, &["phase", "阶段", "フェーズ", "fase"]),
    (
        Label::PrimaryRole,
        &[
            "primary role",
            "primary roles",
            "主要角色",
            "hauptrolle",
            "primäre rolle",
            "主な役割",
            "プライマリ ロール",
            "função principal",
            "papel principal",
            "rol principal",
            "función principal",
        ],
    ),
    (
        Label::OtherRoles,
        &[
            "other roles",
            "参与角色",
            "weitere rollen",
            "その他の役割",
            "outras funções",
            "otros roles",
        ],
    ),
    (
        Label::Motions,
        &[
            "motions",
            "motion",
            "行动",
            "bewegungen",
            "モーション",
            "movimentos",
            "movimientos",
        ],
    ),
    (
        Label::AppliesTo,
        &[
            "applies to",
            "适用于",
            "gilt für",
            "適用対象",
            "aplica-se a",
            "se aplica a",
        ],
    ),
    (
        Label::Overview,
        &[
            "overview",
            "概述",
            "übersicht",
            "概要",
            "visão geral",
            "información general",
            "descripción general",
        ],
    ),
    (
        Label::Objectives,
        &["objectives", "目标", "ziele", "目的", "objetivos"],
    ),
    (
        Label::Approach,
        &[
            "approach",
            "method",
            "方法",
            "ansatz",
            "vorgehensweise",
            "methode",
            "アプローチ",
            "abordagem",
            "método",
            "enfoque",
        ],
    ),
    (
        Label::KeyInputs,
        &[
            "key inputs",
            "重要投入",
            "关键输入",
            "wichtige eingaben",
            "haupteingaben",
            "主要な入力",
            "principais entradas",
            "entradas principais",
            "entradas clave",
        ],
    ),
    (
        Label::KeyOutputs,
        &[
            "key outputs",
            "重要成果",
            "关键输出",
            "wichtige ergebnisse",
            "hauptausgaben",
            "主要な出力",
            "principais saídas",
            "saídas principais",
            "salidas clave",
            "resultados clave",
        ],
    ),
    (
        Label::NextSteps,
        &[
            "next steps",
            "后续步骤",
            "nächste schritte",
            "次のステップ",
            "próximas etapas",
            "próximos passos",
            "próximos pasos",
        ],
    ),
    (
        Label::Refresh,
        &[
            "refresh summary",
            "刷新摘要",
            "aktualisierungsübersicht",
            "änderungsübersicht",
            "更新の概要",
            "resumo da atualização",
            "resumen de actualización",
        ],
    ),
    (
        Label::Tasks,
        &[
            "ftop tasks",
            "ftop 任务",
            "ftop-aufgaben",
            "ftop タスク",
            "tarefas do ftop",
            "tareas de ftop",
        ],
    ),
    (
        Label::StepInputs,
        &[
            "step inputs",
            "quality inputs",
            "质量投入",
            "步骤投入",
            "步骤输入",
            "schritteingaben",
            "qualitätseingaben",
            "ステップの入力",
            "品質の入力",
            "entradas da etapa",
            "entradas de qualidade",
            "entradas del paso",
            "entradas de calidad",
        ],
    ),
    (
        Label::StepOutputs,
        &[
            "step outputs",
            "quality outputs",
            "质量产出",
            "步骤产出",
            "步骤输出",
            "schrittausgaben",
            "qualitätsausgaben",
            "ステップの出力",
            "品質の出力",
            "saídas da etapa",
            "saídas de qualidade",
            "salidas del paso",
            "salidas de calidad",
        ],
    ),
];

/// Normalises a label: emphasis, trailing colons and parenthesised
/// explanations go, case and spacing are folded.
pub fn normalise(text: &str) -> String {
    let mut t = text.replace(['*', '_'], "");
    if let Some(i) = t.find(['(', '（'])
        && i > 0
    {
        t.truncate(i);
    }
    let t = t.trim().trim_end_matches([':', '：']).trim();
    t.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The meaning of a heading or label, if it is one of ours.
pub fn label(text: &str) -> Option<Label> {
    let t = normalise(text);
    WORDS
        .iter()
        .find(|(_, words)| words.contains(&t.as_str()))
        .map(|(l, _)| *l)
}

/// Splits a `Label: value` line; the value keeps its text, emphasis removed.
pub fn label_line(line: &str) -> Option<(Label, String)> {
    let line = line.trim().trim_end_matches('\\').trim();
    let i = line.find([':', '：'])?;
    let (key, rest) = line.split_at(i);
    let rest = rest.trim_start_matches([':', '：']);
    let key = key.trim_end_matches('*');
    let found = label(key)?;
    if !matches!(
        found,
        Label::Phase | Label::PrimaryRole | Label::OtherRoles | Label::Motions | Label::AppliesTo
    ) {
        return None;
    }
    Some((
        found,
        rest.replace("**", "").replace('*', "").trim().to_string(),
    ))
}

/// Whether a task table cell says mandatory (`Some(true)`) or optional.
pub fn mandatory(cell: &str) -> Option<bool> {
    let t = normalise(cell);
    const YES: &[&str] = &[
        "m",
        "mandatory",
        "强制",
        "强制性",
        "必需",
        "必须",
        "pflicht",
        "p",
        "必須",
        "obrigatório",
        "obrigatória",
        "obligatorio",
        "obligatoria",
        "required",
        "erforderlich",
        "verpflichtend",
        "obligatorisch",
        "requerido",
        "requerida",
    ];
    const NO: &[&str] = &[
        "o",
        "optional",
        "可选",
        "任意",
        "オプション",
        "opcional",
        "freiwillig",
        "fakultativ",
    ];
    if YES.contains(&t.as_str()) {
        Some(true)
    } else if NO.contains(&t.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// The legend of a task table's mandatory column, as its header or a
/// legend line above the table states it: which marker means mandatory and
/// which optional. `(M)andatory /
/// (O)ptional`, `(M) Mandatory (O) Optional`, `(E)rforderlich/(O)ptional`,
/// `(M)强制性/(O)可选`, or `M = Mandatory, O = Optional`: the markers are
/// the document's own, not a fixed list of letters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Legend {
    /// Each marker, lower-cased, and whether it means mandatory.
    entries: Vec<(String, bool)>,
}

impl Legend {
    /// Reads a legend from a header cell or a legend line; `None` unless
    /// it has at least two markers and says for each what it means. A
    /// word the importer does not know still counts when the legend has
    /// two markers and the other one is known: it means the opposite
    /// (`(E)rforderlich/(O)ptional` needs only `optional`).
    pub fn parse(text: &str) -> Option<Legend> {
        let text = text.replace(['*', '_'], "");
        let mut pairs = parenthesised(&text);
        if pairs.len() < 2 {
            pairs = assigned(&text);
        }
        // `Legend: M = Mandatory, O = Optional`.
        if pairs.len() < 2
            && let Some((_, rest)) = text.split_once([':', '：'])
        {
            pairs = assigned(rest);
        }
        if pairs.len() < 2 {
            return None;
        }
        let meanings: Vec<Option<bool>> = pairs.iter().map(|(_, word)| mandatory(word)).collect();
        let known: Vec<bool> = meanings.iter().flatten().copied().collect();
        let entries = match (pairs.len(), known.as_slice()) {
            (_, k) if k.len() == pairs.len() => pairs
                .iter()
                .zip(&meanings)
                .map(|((m, _), v)| (m.clone(), v.expect("all known")))
                .collect(),
            (2, [one]) => pairs
                .iter()
                .zip(&meanings)
                .map(|((m, _), v)| (m.clone(), v.unwrap_or(!one)))
                .collect(),
            _ => return None,
        };
        let legend = Legend { entries };
        // A legend that calls everything one thing, or names a marker
        // twice, says nothing.
        let says_both =
            legend.entries.iter().any(|(_, m)| *m) && legend.entries.iter().any(|(_, m)| !m);
        let distinct = legend
            .entries
            .iter()
            .map(|(m, _)| m)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == legend.entries.len();
        (says_both && distinct).then_some(legend)
    }

    /// Whether a header cell is made of this legend's markers (`E/O`,
    /// `M / O`): the column a legend line above the table explains.
    pub fn names_column(&self, header: &str) -> bool {
        let words: Vec<String> = header
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words.len() >= 2
            && words
                .iter()
                .all(|w| self.entries.iter().any(|(m, _)| m == w))
    }

    /// Whether a row's marker means mandatory, by this legend.
    pub fn meaning(&self, cell: &str) -> Option<bool> {
        let marker = normalise(cell);
        let marker = marker.trim_matches(['(', ')', '（', '）']);
        self.entries
            .iter()
            .find(|(m, _)| m == marker)
            .map(|(_, mandatory)| *mandatory)
    }
}

/// The `(X)word` and `(X) word` pairs of a legend: the marker, lower-cased,
/// and the word it stands for. A marker glued to the rest of a Latin word
/// is its first letter (`(E)rforderlich` is `Erforderlich`).
fn parenthesised(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['(', '（']) {
        let after = &rest[open + rest[open..].chars().next().map_or(1, char::len_utf8)..];
        let Some(close) = after.find([')', '）']) else {
            break;
        };
        let marker = after[..close].trim();
        let tail = &after[close + after[close..].chars().next().map_or(1, char::len_utf8)..];
        let end = tail.find(['(', '（']).unwrap_or(tail.len());
        let word = tail[..end]
            .trim_end()
            .trim_end_matches(['/', ',', ';', '|', '、', '／']);
        let glued = tail.starts_with(|c: char| c.is_alphabetic())
            && marker.chars().all(|c| c.is_ascii_alphabetic())
            && tail.starts_with(|c: char| c.is_ascii_alphabetic());
        let word = if glued {
            format!("{marker}{}", word.trim())
        } else {
            word.trim().to_string()
        };
        if marker.is_empty() || marker.chars().count() > 3 || word.is_empty() {
            return Vec::new();
        }
        pairs.push((marker.to_lowercase(), word));
        rest = &tail[end..];
    }
    pairs
}

/// The `X = word` and `X: word` pairs of a legend, separated by commas,
/// semicolons or slashes.
fn assigned(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for part in text.split([',', ';', '/', '，', '；']) {
        let Some((marker, word)) = part.split_once(['=', ':', '：']) else {
            return Vec::new();
        };
        let (marker, word) = (marker.trim(), word.trim());
        if marker.is_empty() || marker.chars().count() > 3 || word.is_empty() {
            return Vec::new();
        }
        pairs.push((marker.to_lowercase(), word.to_string()));
    }
    pairs
}

/// Words that say "all services".
pub fn is_all_services(text: &str) -> bool {
    const ALL: &[&str] = &[
        "all services",
        "all",
        "所有服务",
        "全部服务",
        "alle dienste",
        "すべてのサービス",
        "todos os serviços",
        "todos los servicios",
    ];
    ALL.contains(&normalise(text).as_str())
}

/// A parent criterion that only introduces its children ("the
/// following:").
pub fn introduces_list(text: &str) -> bool {
    let t = text.to_lowercase();
    let t = t.trim_end().trim_end_matches([':', '：', ' ']);
    [
        "the following",
        "以下内容",
        "下列内容",
        "folgendes",
        "以下の内容",
        "o seguinte",
        "lo siguiente",
    ]
    .iter()
    .any(|w| t.ends_with(w))
}

/// Guesses the locale of a document from its section headings.
pub fn guess_locale(text: &str) -> &'static str {
    let has = |s: &str| text.contains(s);
    if text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)) {
        "ja"
    } else if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        && (has("## 概述")
            || has("## 目标")
            || has("## 方法")
            || has("主要角色")
            || has("刷新摘要"))
    {
        "zh"
    } else if has("## Übersicht") || has("## Ziele") || has("Hauptrolle") {
        "de"
    } else if has("## Visão geral") || has("Função principal") || has("Papel principal") {
        "pt"
    } else if has("## Objetivos") || has("Rol principal") || has("Función principal") {
        "es"
    } else {
        "en"
    }
}

/// Puts each `Label:` of a line on a line of its own: `Primary Role:
/// FastTrack Engineer Applies To: Office` is two labels.
pub fn split_label_runs(text: &str) -> String {
    let mut out = text.replace("**", "");
    for (label, words) in WORDS {
        if !matches!(
            label,
            Label::PrimaryRole | Label::OtherRoles | Label::Motions | Label::AppliesTo
        ) {
            continue;
        }
        for word in *words {
            for colon in [":", "："] {
                for variant in [word.to_string(), capitalise(word)] {
                    let needle = format!(" {variant}{colon}");
                    out = out.replace(&needle, &format!("\n{variant}{colon}"));
                }
            }
        }
    }
    out
}

fn capitalise(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words that open a condition, by locale.
fn condition_words(locale: &str) -> &'static [&'static str] {
    match locale {
        "zh" => &["如果", "倘若", "假如", "若"],
        "de" => &["Wenn ", "Falls "],
        "ja" => &["もし"],
        "pt" => &["Se ", "Caso "],
        "es" => &["Si ", "En caso de que "],
        _ => &["If "],
    }
}

/// Words that open an "otherwise" sentence, by locale.
fn otherwise_words(locale: &str) -> &'static [&'static str] {
    match locale {
        "zh" => &["否则", "不然", "反之"],
        "de" => &["Andernfalls", "Ansonsten", "Sonst"],
        "ja" => &["それ以外の場合", "そうでない場合"],
        "pt" => &["Caso contrário", "Senão", "Do contrário"],
        "es" => &["De lo contrario", "En caso contrario", "Si no,"],
        _ => &["Otherwise", "Else"],
    }
}

/// Words that make a condition negative, by locale.
fn negations(locale: &str) -> &'static [&'static str] {
    match locale {
        "zh" => &["不", "没有", "未", "无"],
        "de" => &[" nicht", " kein"],
        "ja" => &["ない", "ません"],
        "pt" => &[" não", " nenhum"],
        "es" => &[" no ", " ningún", " ninguna"],
        _ => &[" not ", " no ", "n't ", " never "],
    }
}

/// The text without leading emphasis and spaces.
fn unemphasised(text: &str) -> &str {
    text.trim().trim_start_matches(['*', '_']).trim_start()
}

/// A sentence that opens with a condition ("If the customer is ready,
/// demo the form.", "如果存在客户团队信息："): the condition as written and
/// what follows it (empty when the condition ends the text, or a colon
/// hands over to a list). `None` for other text, and for questions.
pub fn condition(text: &str, locale: &str) -> Option<(String, String)> {
    let t = unemphasised(text);
    if t.ends_with(['?', '？']) || otherwise(t, locale) {
        return None;
    }
    let word = condition_words(locale).iter().find(|w| t.starts_with(*w))?;
    // 若要 is "in order to", not "if".
    if t.starts_with("若要") {
        return None;
    }
    // The condition ends at the first comma or colon after the word (in
    // Japanese, the comma is 、; in Chinese, 、 separates list entries).
    let after = &t[word.len()..];
    let separators: &[char] = if locale == "ja" {
        &[',', '，', '、', ':', '：']
    } else {
        &[',', '，', ':', '：']
    };
    let (cond, rest) = match after.find(separators) {
        Some(i) => {
            let sep = after[i..].chars().next().map_or(1, char::len_utf8);
            (&t[..word.len() + i], after[i + sep..].trim())
        }
        None => (t.trim_end_matches(['.', '。']), ""),
    };
    let cond = cond.trim().trim_end_matches(['*', '_']).trim();
    if cond.chars().count() <= word.chars().count() + 1 {
        return None;
    }
    // "If so, then:" hands over to a list like a colon does.
    let rest = rest.trim_start_matches(['*', '_', ':', '：']).trim();
    let rest = rest
        .strip_prefix("then ")
        .or_else(|| rest.strip_prefix("则"))
        .unwrap_or(rest)
        .trim();
    let rest = if rest == "then" || rest == "则" || rest.trim_matches([':', '：']).is_empty() {
        ""
    } else {
        rest
    };
    Some((cond.to_string(), upper_first(rest)))
}

fn upper_first(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Whether a sentence opens with "otherwise" (否则, andernfalls, ...).
pub fn otherwise(text: &str, locale: &str) -> bool {
    let t = unemphasised(text);
    otherwise_words(locale).iter().any(|w| {
        t.strip_prefix(*w).is_some_and(|rest| {
            rest.is_empty()
                || !rest
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() && c.is_ascii())
        })
    })
}

/// Whether a condition is negative ("If there is no account team").
pub fn negated(condition: &str, locale: &str) -> bool {
    let t = format!(" {} ", condition.to_lowercase());
    negations(locale).iter().any(|w| t.contains(w))
}

/// The note a criterion names for its evidence, as written: "Documented in
/// Technical Enablement note ..." names `Technical Enablement note`, "在技术
/// 启用笔记中记录 ..." names `技术启用笔记`. The first named note counts;
/// `None` when the text names none (the evidence goes to FTOP).
pub fn note(text: &str) -> Option<String> {
    let english = text.match_indices("in ").find_map(|(at, _)| {
        if at > 0 && text[..at].chars().last().is_some_and(char::is_alphanumeric) {
            return None;
        }
        let rest = &text[at + 3..];
        let rest = rest.strip_prefix("the ").unwrap_or(rest);
        let mut words = Vec::new();
        for word in rest.split(' ') {
            let bare = word.trim_end_matches([',', '.', ';', ':']);
            if bare.eq_ignore_ascii_case("note") && !words.is_empty() {
                return Some(format!("{} note", words.join(" ")));
            }
            if words.len() == 4 || !bare.starts_with(|c: char| c.is_uppercase()) || bare != word {
                return None;
            }
            words.push(bare);
        }
        None
    });
    english.or_else(|| {
        text.match_indices('在').find_map(|(at, _)| {
            let rest = text[at + '在'.len_utf8()..].trim_start();
            let end = rest.find("笔记中")?;
            let name = rest[..end].trim();
            (!name.is_empty()
                && name.chars().count() <= 15
                && !name.contains(|c: char| c.is_whitespace() || "，。、：:；;（）()".contains(c)))
            .then(|| format!("{name}笔记"))
        })
    })
}

/// A number as a text states it, with the comparison before it: `>1000`,
/// `<1000`, `10%`, `100`.
pub fn numbers(text: &str) -> Vec<String> {
    const MORE: &[&str] = &[
        ">",
        "more than",
        "over",
        "greater than",
        "above",
        "多于",
        "超过",
        "大于",
        "以上",
        "mehr als",
        "über",
        "más de",
        "mais de",
        "以上の",
    ];
    const LESS: &[&str] = &[
        "<",
        "less than",
        "fewer than",
        "under",
        "below",
        "少于",
        "低于",
        "小于",
        "不足",
        "weniger als",
        "unter",
        "menos de",
        "未満",
    ];
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                digits.push(c);
                i += 1;
            } else if c == ','
                && chars
                    .get(i + 1..i + 4)
                    .is_some_and(|d| d.iter().all(char::is_ascii_digit))
                && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
            {
                i += 1;
            } else {
                break;
            }
        }
        // Letters right after (`M365`, `v2`) make it a name, not a number.
        if chars.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        let before: String = chars[start.saturating_sub(14)..start].iter().collect();
        let before = before.trim_end().to_lowercase();
        let mut n = digits;
        if MORE.iter().any(|w| before.ends_with(w)) {
            n.insert(0, '>');
        } else if LESS.iter().any(|w| before.ends_with(w)) {
            n.insert(0, '<');
        }
        if matches!(chars.get(i), Some('%' | '％')) || text[..].contains(&format!("{n} percent")) {
            n.push('%');
        }
        out.push(n);
    }
    out.sort();
    out
}
