//! Options shared by the commands that read logs: the format, and what formats that lack a
//! field must be told.

use std::path::PathBuf;

use chrono_tz::Tz;
use clap::{Args, ValueEnum};
use wacost::pricing::category::Category;
use wacost::pricing::phone::ContactNumber;
use wacost::read::chat_export::ChatOptions;
use wacost::read::detect::{FormatOptions, InputFormat, parse_delimiter};
use wacost::read::time::DateFormat;
use wacost::read::twilio::TwilioOptions;
use wacost::replay::Source;

use super::{Failure, Global};

/// A template category, as the command line names it.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum TemplateCategory {
    /// Marketing templates.
    Marketing,
    /// Utility templates.
    Utility,
    /// Authentication templates.
    Authentication,
}

impl From<TemplateCategory> for Category {
    fn from(c: TemplateCategory) -> Category {
        match c {
            TemplateCategory::Marketing => Category::Marketing,
            TemplateCategory::Utility => Category::Utility,
            TemplateCategory::Authentication => Category::Authentication,
        }
    }
}

/// A log format, as the command line names it.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub enum FormatArg {
    /// Tell from each log's content.
    #[default]
    Auto,
    /// wacost's canonical CSV.
    Canonical,
    /// WhatsApp Cloud API webhook archives (JSON array, JSON lines, a folder of .json).
    CloudApi,
    /// Twilio console CSV export or Message-resource JSON.
    Twilio,
    /// The phone's "Export chat" text.
    ChatExport,
    /// Parquet with the canonical columns.
    Parquet,
    /// Meta's Business Agent Usage Insights answer (JSON): Business Agent usage per hour,
    /// day or month, priced as usage lines.
    AgentInsights,
}

impl From<FormatArg> for InputFormat {
    fn from(f: FormatArg) -> InputFormat {
        match f {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Canonical => InputFormat::Canonical,
            FormatArg::CloudApi => InputFormat::CloudApi,
            FormatArg::Twilio => InputFormat::Twilio,
            FormatArg::ChatExport => InputFormat::ChatExport,
            FormatArg::Parquet => InputFormat::Parquet,
            FormatArg::AgentInsights => InputFormat::AgentInsights,
        }
    }
}

/// The sources behind `LOG` arguments: `-` is standard input, anything else a file or a
/// folder of webhook archives.
pub fn sources(logs: &[String]) -> Vec<Source> {
    logs.iter()
        .map(|l| {
            if l == "-" {
                Source::Stdin
            } else {
                Source::Path(PathBuf::from(l))
            }
        })
        .collect()
}

/// How to read logs without options: every format told from its content, Parquet included.
pub fn default_formats() -> FormatOptions {
    FormatOptions {
        parquet: Some(wacost::report::parquet::open),
        ..FormatOptions::default()
    }
}

/// How to read the logs.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The logs' format (default: told from each log's content).
    #[arg(long, value_enum, default_value = "auto")]
    input_format: FormatArg,
    /// Twilio and chat exports do not say a template's category: the category of a business
    /// message taken as a template (Twilio: outbound-api messages; chat: messages outside the
    /// customer service window). Without it, Twilio messages are taken as free-form.
    #[arg(long, value_enum, value_name = "CATEGORY")]
    template_category: Option<TemplateCategory>,
    /// Twilio: a CSV of `pattern,category` lines; an outbound body containing the pattern
    /// (any case) is a template of that category.
    #[arg(long, value_name = "FILE")]
    template_map: Option<PathBuf>,
    /// Chat export: the author name that is the business.
    #[arg(long, value_name = "NAME")]
    business_name: Option<String>,
    /// Chat export: the business number (default: the business name).
    #[arg(long, value_name = "NUMBER")]
    business_number: Option<String>,
    /// Chat export: the other party's number, when authors are names (e.g. +5511987654321).
    #[arg(long, value_name = "NUMBER")]
    chat_contact: Option<String>,
    /// Chat export: the phone's time zone (default: --timezone).
    #[arg(long, value_name = "TZ")]
    chat_timezone: Option<Tz>,
    /// The longest line (or CSV row) a log may have, in bytes (default 1 MiB): a longer one
    /// stops the run with an error at its line.
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_line_bytes: Option<u64>,
    /// Canonical and Twilio CSV: the field separator, one of `,` `;` `|` or tab (`\t` or `tab`)
    /// (default: told from the header: `;` or tab when it holds more of them than commas).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Canonical CSV: the timestamps' format, in chrono's strftime codes (e.g.
    /// `%d/%m/%Y %H:%M`); read in --timezone unless the format has `%z`.
    #[arg(long, value_name = "FMT", value_parser = date_format)]
    date_format: Option<DateFormat>,
}

/// `--date-format`, checked before anything is read.
fn date_format(given: &str) -> Result<DateFormat, String> {
    DateFormat::new(given).map_err(|e| e.to_string())
}

impl InputArgs {
    /// The `--template-map` file, an input of the run.
    pub fn template_map(&self) -> Option<&PathBuf> {
        self.template_map.as_ref()
    }

    /// The reader options these arguments describe.
    pub fn format_options(&self, global: &Global) -> Result<FormatOptions, Failure> {
        let mut mapping = Vec::new();
        if let Some(path) = &self.template_map {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (pattern, cat) = line.rsplit_once(',').ok_or_else(|| {
                    Failure::input(format!(
                        "{}:{}: expected `pattern,category`",
                        path.display(),
                        i + 1
                    ))
                })?;
                let category = Category::parse(cat)
                    .filter(|c| {
                        matches!(
                            c,
                            Category::Marketing | Category::Utility | Category::Authentication
                        )
                    })
                    .ok_or_else(|| {
                        Failure::input(format!(
                            "{}:{}: {cat:?} is not marketing, utility or authentication",
                            path.display(),
                            i + 1
                        ))
                    })?;
                mapping.push((pattern.trim().trim_matches('"').to_string(), category));
            }
        }
        let chat = match &self.business_name {
            Some(name) => {
                // Without it, authors that are numbers are the contacts; an author known only
                // by name stops the run (no number is made up).
                let contact = match &self.chat_contact {
                    Some(c) => Some(
                        ContactNumber::parse(c)
                            .map_err(|e| Failure::usage(format!("--chat-contact: {e}")))?,
                    ),
                    None => None,
                };
                Some(ChatOptions {
                    business_name: name.clone(),
                    timezone: self.chat_timezone.unwrap_or(global.timezone),
                    business_number: self.business_number.clone().unwrap_or_else(|| name.clone()),
                    contact,
                    template_category: self
                        .template_category
                        .map_or(Category::Utility, Category::from),
                })
            }
            None => None,
        };
        Ok(FormatOptions {
            format: self.input_format.into(),
            twilio: TwilioOptions {
                template_category: self.template_category.map(Category::from),
                mapping,
                delimiter: self.delimiter,
            },
            chat,
            max_line_bytes: self
                .max_line_bytes
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            delimiter: self.delimiter,
            // Times without an offset are wall-clock times of the WABA's zone.
            timezone: Some(global.timezone),
            date_format: self.date_format.clone(),
            ..default_formats()
        })
    }
}
