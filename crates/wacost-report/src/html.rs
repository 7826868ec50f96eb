//! The report as one self-contained HTML page: the headline figure, the period, assumptions
//! and data provenance, summary tables, the charts inline as SVG, and links to the table
//! files. No network, no external CSS or JavaScript (a Content-Security-Policy forbids both).
//!
//! Every piece of text on the page is HTML-escaped: business names, template names and
//! market names come from logs and are untrusted. Charts are inlined only if they look like
//! the SVG [`super::charts::to_svg`] writes (whose text plotters escapes).

use std::fmt::Write as _;
use std::path::Path;

use rust_decimal::Decimal;

use crate::charts::{self, Chart, ChartError};
use wacost_core::table::{Column, Table};

/// The figure at the top of the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headline {
    /// What it is, e.g. "Total spend".
    pub label: String,
    /// The exact amount (shown with the currency's decimals; the files keep every digit).
    pub amount: Decimal,
    /// Currency code.
    pub currency: String,
    /// What the figures next to it mean, in one line (e.g. what "billed" and "charged" are).
    pub note: String,
}

/// A link to a file next to the page (or a web address).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// The text of the link.
    pub label: String,
    /// A relative path (`tables/by_market.csv`) or an `http(s)` address; anything else
    /// (`javascript:`, `data:`…) is written as plain text, not as a link.
    pub href: String,
}

impl Link {
    /// A link.
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Link {
        Link {
            label: label.into(),
            href: href.into(),
        }
    }
}

/// A chart on the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InlineChart {
    /// Caption under the chart.
    pub caption: String,
    /// The chart as SVG ([`charts::to_svg`]).
    pub svg: String,
    /// Links to the chart's files (PNG, SVG).
    pub files: Vec<Link>,
}

impl InlineChart {
    /// Draws a chart for the page. `stem`, when given, is the chart's files relative to the
    /// page (`charts/spend_by_month` links `charts/spend_by_month.png` and `.svg`).
    pub fn new(
        chart: &Chart,
        caption: impl Into<String>,
        stem: Option<&str>,
    ) -> Result<InlineChart, ChartError> {
        let files = stem
            .map(|s| {
                vec![
                    Link::new("PNG", format!("{s}.png")),
                    Link::new("SVG", format!("{s}.svg")),
                ]
            })
            .unwrap_or_default();
        Ok(InlineChart {
            caption: caption.into(),
            svg: charts::to_svg(chart)?,
            files,
        })
    }
}

/// Everything the page shows.
#[derive(Clone, Debug, Default)]
pub struct ReportPage {
    /// Page title, e.g. "WhatsApp Business spend".
    pub title: String,
    /// Under the title: the period, e.g. "1–28 February 2026, data/sample_log.csv".
    pub subtitle: String,
    /// The figure at the top.
    pub headline: Headline,
    /// Key figures next to the headline ("messages priced", "1,234").
    pub facts: Vec<(String, String)>,
    /// Assumptions the figures rest on (rate cards, time zone, FX…).
    pub assumptions: Vec<String>,
    /// Data provenance and caveats: estimated rate cells, what an input format lacked,
    /// skipped rows.
    pub notes: Vec<String>,
    /// Provenance tables under the notes (rate cards in force, estimated cells used), each
    /// with a heading.
    pub provenance: Vec<(String, Table)>,
    /// Sections right under the headline, for a reader in a hurry (what to change), each a
    /// heading, a lead paragraph and a table.
    pub first: Vec<(String, String, Table)>,
    /// Charts of those sections, each with the heading of the section it closes (the log's
    /// total under each what-if, the forecast).
    pub first_charts: Vec<(String, InlineChart)>,
    /// Summary tables, each with a heading.
    pub tables: Vec<(String, Table)>,
    /// Charts.
    pub charts: Vec<InlineChart>,
    /// Links to the table files (CSV, JSON, Parquet, XLSX).
    pub links: Vec<Link>,
    /// The footer, e.g. "wacost 0.1.0".
    pub footer: String,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Whether an href may be a link: a relative path or an http(s) address.
fn safe_href(href: &str) -> bool {
    let h = href.trim();
    if h.is_empty() || h.chars().any(char::is_control) {
        return false;
    }
    let lower = h.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    // A scheme is letters, digits, `+`, `-`, `.` followed by `:` before any `/`, `?` or `#`.
    let head = lower.split(['/', '?', '#']).next().unwrap_or("");
    !head.contains(':')
}

fn link(l: &Link) -> String {
    if safe_href(&l.href) {
        format!(
            "<a href=\"{}\">{}</a>",
            escape(l.href.trim()),
            escape(&l.label)
        )
    } else {
        format!("{} ({})", escape(&l.label), escape(&l.href))
    }
}

/// Whether an SVG string is one charts write: a single `<svg>` element with nothing able to
/// run code.
fn trusted_svg(svg: &str) -> bool {
    let t = svg.trim();
    let lower = t.to_ascii_lowercase();
    t.starts_with("<svg ")
        && t.ends_with("</svg>")
        && !lower.contains("<script")
        && !lower.contains("<foreignobject")
        && !lower.contains("javascript:")
        && !lower.contains("<iframe")
        && !lower.split('<').any(|tag| {
            let tag = tag.split('>').next().unwrap_or("");
            tag.split_whitespace()
                .any(|attr| attr.starts_with("on") && attr.contains('='))
        })
}

fn looks_numeric(cell: &str) -> bool {
    let t = cell.trim().trim_end_matches('%');
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | ' '))
        && t.chars().any(|c| c.is_ascii_digit())
}

/// Whether a column holds prose (a source, a note, a reason): long text with spaces, which may
/// wrap; every other cell stays on one line (numbers and names never break), and a table too
/// wide for the screen scrolls sideways.
fn is_prose(table: &Table, column: usize) -> bool {
    table
        .rows()
        .iter()
        .filter_map(|r| r.get(column))
        .any(|c| c.chars().count() > 48 && c.contains(' '))
}

/// A cell as the page shows it: figures of a money, rate or count column formatted once, as
/// everywhere on the page ([`charts::format_money`]…); any other cell as it is.
fn shown(table: &Table, column: usize, cell: &str, currency: &str) -> String {
    let t = cell.trim();
    let decimal = || t.trim_start_matches('+').parse::<Decimal>().ok();
    let figure = match table.kind(column) {
        Column::Money => decimal().map(|d| charts::format_money(d, currency)),
        Column::Rate => decimal().map(charts::format_rate),
        Column::Count => t.parse::<u64>().ok().map(charts::format_count),
        Column::Text => None,
    };
    match figure {
        // A difference keeps its sign.
        Some(f) if t.starts_with('+') && !f.starts_with('-') => format!("+{f}"),
        Some(f) => f,
        None => cell.to_string(),
    }
}

fn table_html(out: &mut String, heading: &str, table: &Table, currency: &str) {
    let cols = table.header().len();
    let class: Vec<&str> = (0..cols)
        .map(|i| {
            let mut cells = table
                .rows()
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|c| !c.trim().is_empty())
                .peekable();
            if cells.peek().is_some() && cells.all(|c| looks_numeric(c)) {
                " class=\"num\""
            } else if is_prose(table, i) {
                " class=\"prose\""
            } else {
                ""
            }
        })
        .collect();
    out.push_str("<section class=\"table\">\n");
    if !heading.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>", escape(heading));
    }
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (i, h) in table.header().iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", class[i], escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in table.rows() {
        // A total row closes a table: set apart.
        let total = row.first().is_some_and(|c| c == "total");
        out.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for i in 0..cols {
            let c = row.get(i).map(String::as_str).unwrap_or("");
            let _ = write!(
                out,
                "<td{}>{}</td>",
                class[i],
                escape(&shown(table, i, c, currency))
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

const STYLE: &str = "\
:root{color-scheme:light;--ink:#222;--muted:#555;--rule:#ddd;--accent:#0072B2}
*{box-sizing:border-box}
body{font-family:'DejaVu Sans',system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);margin:0;background:#fff;line-height:1.45}
main{max-width:1080px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.9rem;margin:0 0 4px}
h2{font-size:1.35rem;margin:36px 0 12px;border-bottom:1px solid var(--rule);padding-bottom:4px}
h3{font-size:1.05rem;margin:20px 0 8px}
.subtitle{color:var(--muted);margin:0 0 20px}
.headline{display:flex;flex-wrap:wrap;gap:16px 40px;align-items:flex-end;padding:16px 20px;border-left:6px solid var(--accent);background:#f5f8fb}
.headline .figure{font-size:2.4rem;font-weight:bold;font-variant-numeric:tabular-nums}
.headline .label{color:var(--muted);font-size:.95rem}
.headline .exact{color:var(--muted);font-size:.85rem;font-variant-numeric:tabular-nums}
.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0;padding:0}
.facts div{display:flex;flex-direction:column}
.facts dt{color:var(--muted);font-size:.85rem}
.facts dd{margin:0;font-weight:bold;font-variant-numeric:tabular-nums}
ul.notes li{margin:4px 0}
table{border-collapse:collapse;font-size:.92rem;margin:4px 0 12px}
th,td{padding:4px 12px;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
th{border-bottom:2px solid var(--ink)}
th,td{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.prose,th.prose{white-space:normal;min-width:16rem;overflow-wrap:anywhere}
tr.total td{font-weight:bold;border-top:2px solid var(--ink)}
.scroll{overflow-x:auto;max-width:100%}
li{overflow-wrap:anywhere}
.headline .note{color:var(--muted);font-size:.85rem;margin-top:8px;flex-basis:100%}
section.first{margin-top:8px}
figure{margin:20px 0 32px}
figure svg{width:100%;height:auto;display:block;border:1px solid var(--rule)}
figcaption{color:var(--muted);font-size:.92rem;margin-top:6px}
footer{color:var(--muted);font-size:.85rem;margin-top:40px;border-top:1px solid var(--rule);padding-top:8px}
@media print{main{max-width:none}figure{break-inside:avoid}}
";

/// A chart inline, with its caption and links to its files.
fn figure(o: &mut String, c: &InlineChart) {
    o.push_str("<figure>\n");
    if trusted_svg(&c.svg) {
        o.push_str(c.svg.trim());
        o.push('\n');
    } else {
        o.push_str("<p>(chart omitted: not an SVG written by wacost)</p>\n");
    }
    let _ = write!(o, "<figcaption>{}", escape(&c.caption));
    if !c.files.is_empty() {
        let files: Vec<String> = c.files.iter().map(link).collect();
        let _ = write!(o, " ({})", files.join(", "));
    }
    o.push_str("</figcaption>\n</figure>\n");
}

impl ReportPage {
    /// The page as HTML.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(
            64 * 1024
                + self
                    .charts
                    .iter()
                    .chain(self.first_charts.iter().map(|(_, c)| c))
                    .map(|c| c.svg.len())
                    .sum::<usize>(),
        );
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        o.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">\n",
        );
        o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        o.push_str("<meta name=\"generator\" content=\"wacost\">\n");
        let _ = writeln!(o, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(o, "<style>\n{STYLE}</style>\n</head>\n<body>\n<main>");
        let _ = writeln!(o, "<h1>{}</h1>", escape(&self.title));
        if !self.subtitle.is_empty() {
            let _ = writeln!(o, "<p class=\"subtitle\">{}</p>", escape(&self.subtitle));
        }

        let h = &self.headline;
        o.push_str("<section class=\"headline\">\n<div>\n");
        let _ = writeln!(
            o,
            "<div class=\"label\">{}</div>\n<div class=\"figure\">{} {}</div>",
            escape(&h.label),
            escape(&h.currency),
            escape(&charts::format_money(h.amount, &h.currency))
        );
        // The exact figure stays one glance away when rounding changed it.
        let exact = charts::format_exact(h.amount.normalize());
        if exact != charts::format_money(h.amount, &h.currency) {
            let _ = writeln!(
                o,
                "<div class=\"exact\">exact: {} {}</div>",
                escape(&h.currency),
                escape(&exact)
            );
        }
        o.push_str("</div>\n");
        if !self.facts.is_empty() {
            o.push_str("<dl class=\"facts\">\n");
            for (k, v) in &self.facts {
                let _ = writeln!(o, "<div><dt>{}</dt><dd>{}</dd></div>", escape(k), escape(v));
            }
            o.push_str("</dl>\n");
        }
        if !h.note.is_empty() {
            let _ = writeln!(o, "<p class=\"note\">{}</p>", escape(&h.note));
        }
        o.push_str("</section>\n");

        for (heading, lead, table) in &self.first {
            let _ = writeln!(o, "<section class=\"first\">\n<h2>{}</h2>", escape(heading));
            if !lead.is_empty() {
                let _ = writeln!(o, "<p>{}</p>", escape(lead));
            }
            table_html(&mut o, "", table, &h.currency);
            for (_, c) in self.first_charts.iter().filter(|(to, _)| to == heading) {
                figure(&mut o, c);
            }
            o.push_str("</section>\n");
        }

        if !self.charts.is_empty() {
            o.push_str("<h2>Charts</h2>\n");
            for c in &self.charts {
                figure(&mut o, c);
            }
        }

        if !self.tables.is_empty() {
            o.push_str("<h2>Spend in detail</h2>\n");
            for (heading, table) in &self.tables {
                table_html(&mut o, heading, table, &h.currency);
            }
        }

        if !self.assumptions.is_empty() || !self.notes.is_empty() || !self.provenance.is_empty() {
            o.push_str("<h2>Assumptions and data provenance</h2>\n");
            for (heading, list) in [("Assumptions", &self.assumptions), ("Notes", &self.notes)] {
                if list.is_empty() {
                    continue;
                }
                let _ = writeln!(o, "<h3>{heading}</h3>\n<ul class=\"notes\">");
                for n in list {
                    let _ = writeln!(o, "<li>{}</li>", escape(n));
                }
                o.push_str("</ul>\n");
            }
            for (heading, table) in &self.provenance {
                table_html(&mut o, heading, table, &h.currency);
            }
        }

        if !self.links.is_empty() {
            o.push_str("<h2>Tables and files</h2>\n<ul class=\"files\">\n");
            for l in &self.links {
                let _ = writeln!(o, "<li>{}</li>", link(l));
            }
            o.push_str("</ul>\n");
        }
        if !self.footer.is_empty() {
            let _ = writeln!(o, "<footer>{}</footer>", escape(&self.footer));
        }
        o.push_str("</main>\n</body>\n</html>\n");
        o
    }

    /// Writes the page (e.g. `report/index.html`).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn only_relative_and_web_links_are_links() {
        assert!(safe_href("tables/by_market.csv"));
        assert!(safe_href("../x.xlsx"));
        assert!(safe_href("https://developers.facebook.com/docs"));
        assert!(!safe_href("javascript:alert(1)"));
        assert!(!safe_href(" JavaScript:alert(1)"));
        assert!(!safe_href("data:text/html,<b>"));
        assert!(!safe_href("java\tscript:alert(1)"));
        assert!(
            link(&Link::new("x", "javascript:alert(1)"))
                .find("<a")
                .is_none()
        );
    }

    #[test]
    fn numeric_columns_are_right_aligned() {
        let mut t = Table::new(["market", "amount"]);
        t.row(["Brazil", "1,234.50"]);
        t.row(["<India>", "-0.0625"]);
        let mut out = String::new();
        table_html(&mut out, "by market", &t, "USD");
        assert!(out.contains("<td class=\"num\">1,234.50</td>"));
        assert!(out.contains("<td>&lt;India&gt;</td>"));
    }

    #[test]
    fn untrusted_svg_is_not_inlined() {
        let page = ReportPage {
            charts: vec![InlineChart {
                caption: "x".into(),
                svg: "<svg onload=\"alert(1)\"></svg>".into(),
                files: vec![],
            }],
            ..Default::default()
        };
        let html = page.render();
        assert!(!html.contains("onload"));
        assert!(html.contains("chart omitted"));
    }
}
