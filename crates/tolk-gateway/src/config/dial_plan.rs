//! The dial plan: ordered rules that match a request-URI's user and host
//! and name where the call goes. The first matching rule wins.

use regex::Regex;
use serde::Deserialize;

use super::ConfigError;

/// One rule as written in the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// Regular expression the request-URI user must match (whole or part:
    /// anchor it with `^...$`). Absent: any user, including none.
    pub user: Option<String>,
    /// Regular expression the request-URI host must match.
    pub host: Option<String>,
    /// Replacement for the user, with `$1`-style references to `user`'s
    /// capture groups. Absent: the user is kept.
    pub rewrite: Option<String>,
    /// `echo`, `registrar` or `peer:NAME`.
    pub target: String,
}

/// Where a routed call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Answer locally and loop the media back through the relay.
    Echo,
    /// The contacts registered for the (rewritten) user.
    Registrar,
    /// A configured peer or trunk, by name.
    Peer(String),
}

/// The outcome of routing one request-URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDecision {
    /// Where the call goes.
    pub target: Target,
    /// The user part to use towards the target.
    pub user: String,
    /// The index of the rule that matched.
    pub rule: usize,
}

/// A compiled, validated dial plan.
#[derive(Debug, Clone, Default)]
pub struct DialPlan {
    rules: Vec<CompiledRule>,
}

#[derive(Debug, Clone)]
struct CompiledRule {
    user: Option<Regex>,
    host: Option<Regex>,
    rewrite: Option<String>,
    target: Target,
}

impl DialPlan {
    /// Compiles the rules, checking each pattern and that every `peer:`
    /// target names one of `peers`.
    pub fn compile(rules: &[RouteRule], peers: &[&str]) -> Result<Self, ConfigError> {
        let compiled = rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                let field = |name: &str| format!("route[{index}].{name}");
                let pattern = |name: &str, source: &Option<String>| {
                    source
                        .as_deref()
                        .map(|source| {
                            Regex::new(source).map_err(|err| ConfigError::Invalid {
                                field: field(name),
                                reason: format!("bad regular expression: {err}"),
                            })
                        })
                        .transpose()
                };
                let target = match rule.target.as_str() {
                    "echo" => Target::Echo,
                    "registrar" => Target::Registrar,
                    other => match other.strip_prefix("peer:") {
                        Some(name) if peers.contains(&name) => Target::Peer(name.to_owned()),
                        Some(name) => {
                            return Err(ConfigError::Invalid {
                                field: field("target"),
                                reason: format!("no [[peer]] is named `{name}`"),
                            });
                        }
                        None => {
                            return Err(ConfigError::Invalid {
                                field: field("target"),
                                reason: format!(
                                    "`{other}`: expected `echo`, `registrar` or `peer:NAME`"
                                ),
                            });
                        }
                    },
                };
                Ok(CompiledRule {
                    user: pattern("user", &rule.user)?,
                    host: pattern("host", &rule.host)?,
                    rewrite: rule.rewrite.clone(),
                    target,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(DialPlan { rules: compiled })
    }

    /// Routes a request-URI's user and host; `None` when no rule matches
    /// (the caller answers 404).
    pub fn route(&self, user: &str, host: &str) -> Option<RouteDecision> {
        self.rules.iter().enumerate().find_map(|(index, rule)| {
            if let Some(pattern) = &rule.host {
                if !pattern.is_match(host) {
                    return None;
                }
            }
            let user = match (&rule.user, &rule.rewrite) {
                (None, None) => user.to_owned(),
                (None, Some(rewrite)) => rewrite.clone(),
                (Some(pattern), rewrite) => {
                    let captures = pattern.captures(user)?;
                    match rewrite {
                        Some(template) => {
                            let mut rewritten = String::new();
                            captures.expand(template, &mut rewritten);
                            rewritten
                        }
                        None => user.to_owned(),
                    }
                }
            };
            Some(RouteDecision {
                target: rule.target.clone(),
                user,
                rule: index,
            })
        })
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the plan has no rules (every call gets 404).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        user: Option<&str>,
        host: Option<&str>,
        rewrite: Option<&str>,
        target: &str,
    ) -> RouteRule {
        RouteRule {
            user: user.map(str::to_owned),
            host: host.map(str::to_owned),
            rewrite: rewrite.map(str::to_owned),
            target: target.to_owned(),
        }
    }

    #[test]
    fn first_matching_rule_wins_and_rewrites() {
        let plan = DialPlan::compile(
            &[
                rule(Some("^echo$"), None, None, "echo"),
                rule(
                    Some(r"^9(\d+)$"),
                    Some("^trunk\\."),
                    Some("+47$1"),
                    "peer:pstn",
                ),
                rule(Some(".+"), None, None, "registrar"),
            ],
            &["pstn"],
        )
        .expect("valid plan");
        assert_eq!(
            plan.route("echo", "127.0.0.1").map(|d| d.target),
            Some(Target::Echo)
        );
        let trunk = plan
            .route("912345678", "trunk.example.org")
            .expect("routed");
        assert_eq!(trunk.target, Target::Peer("pstn".into()));
        assert_eq!(trunk.user, "+4712345678");
        assert_eq!(trunk.rule, 1);
        let local = plan.route("912345678", "127.0.0.1").expect("routed");
        assert_eq!(local.target, Target::Registrar);
        assert_eq!(plan.route("", "127.0.0.1"), None);
    }

    #[test]
    fn errors_name_the_rule_and_field() {
        let bad_target = DialPlan::compile(&[rule(None, None, None, "peer:nowhere")], &[]);
        let message = bad_target.expect_err("unknown peer").to_string();
        assert!(message.contains("route[0].target"), "{message}");
        assert!(message.contains("nowhere"), "{message}");

        let bad_regex = DialPlan::compile(&[rule(Some("("), None, None, "echo")], &[]);
        let message = bad_regex.expect_err("bad regex").to_string();
        assert!(message.contains("route[0].user"), "{message}");

        let bad_kind = DialPlan::compile(&[rule(None, None, None, "voicemail")], &[]);
        assert!(
            bad_kind
                .expect_err("unknown target")
                .to_string()
                .contains("`voicemail`")
        );
    }
}
