//! Terraform configuration read with the tree-sitter HCL grammar: the providers a
//! configuration uses and the sources of the modules it calls.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use tree_sitter::{Node, Parser};

/// Providers by local name, each with its source address where one is declared.
pub type Providers = BTreeMap<String, Option<String>>;

/// Adds `local` with its `source`; a declared source is never lost to a bare mention.
pub fn add_provider(providers: &mut Providers, local: String, source: Option<String>) {
    let known = providers.entry(local).or_default();
    if known.is_none() {
        *known = source;
    }
}

/// What one `.tf` file declares.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TerraformFacts {
    /// Providers by local name (`aws`), with the source address (`hashicorp/aws`) where
    /// `required_providers` declares one.
    pub providers: Providers,
    /// Module sources (`terraform-aws-modules/vpc/aws`, `./modules/bucket`).
    pub modules: BTreeSet<String>,
    /// Whether the grammar reported syntax errors.
    pub has_errors: bool,
}

static SOURCE: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r#"source\s*=\s*"([^"]+)""#).ok());

/// Parses one Terraform file. Returns `None` only if the grammar cannot be loaded.
pub fn parse(text: &str) -> Option<TerraformFacts> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_hcl::LANGUAGE.into())
        .ok()?;
    let tree = parser.parse(text, None)?;
    let root = tree.root_node();
    let mut facts = TerraformFacts {
        has_errors: root.has_error(),
        ..TerraformFacts::default()
    };
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "block" {
            read_block(node, text, &mut facts);
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    Some(facts)
}

fn read_block(block: Node<'_>, text: &str, facts: &mut TerraformFacts) {
    let mut cursor = block.walk();
    let children: Vec<Node<'_>> = block.children(&mut cursor).collect();
    let Some(kind) = children
        .iter()
        .find(|child| child.kind() == "identifier")
        .map(|node| node_text(*node, text))
    else {
        return;
    };
    let label = children
        .iter()
        .find(|child| child.kind() == "string_lit")
        .map(|node| node_text(*node, text).trim_matches('"').to_owned());
    let body = children.iter().find(|child| child.kind() == "body");
    match kind {
        "provider" => {
            if let Some(label) = label {
                add_provider(&mut facts.providers, label, None);
            }
        }
        "module" => {
            if let Some(source) = body.and_then(|body| attribute_source(*body, text)) {
                facts.modules.insert(source);
            }
        }
        "required_providers" => {
            if let Some(body) = body {
                read_required_providers(*body, text, facts);
            }
        }
        _ => {}
    }
}

fn read_required_providers(body: Node<'_>, text: &str, facts: &mut TerraformFacts) {
    let mut cursor = body.walk();
    for attribute in body
        .children(&mut cursor)
        .filter(|n| n.kind() == "attribute")
    {
        let source_text = node_text(attribute, text);
        let source = SOURCE
            .as_ref()
            .and_then(|re| re.captures(source_text))
            .and_then(|captures| captures.get(1))
            .map(|m| m.as_str().to_owned());
        let mut inner = attribute.walk();
        let name = attribute
            .children(&mut inner)
            .find(|n| n.kind() == "identifier")
            .map(|n| node_text(n, text).to_owned());
        // The local name is what `provider` blocks and resources use; the source says
        // which registry provider it is.
        if let Some(name) = name {
            add_provider(&mut facts.providers, name, source);
        }
    }
}

/// The `source = "..."` attribute directly in a block body.
fn attribute_source(body: Node<'_>, text: &str) -> Option<String> {
    let mut cursor = body.walk();
    body.children(&mut cursor)
        .filter(|n| n.kind() == "attribute")
        .find_map(|attribute| {
            let attribute_text = node_text(attribute, text);
            attribute_text
                .trim_start()
                .starts_with("source")
                .then(|| SOURCE.as_ref()?.captures(attribute_text)?.get(1))
                .flatten()
                .map(|m| m.as_str().to_owned())
        })
}

fn node_text<'t>(node: Node<'_>, text: &'t str) -> &'t str {
    text.get(node.byte_range()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_and_modules() {
        let facts = parse(
            r#"
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    google = { source = "hashicorp/google" }
  }
}
provider "aws" { region = "eu-west-1" }
# module "commented" { source = "nope" }
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.0"
}
module "bucket" { source = "./modules/bucket" }
resource "aws_s3_bucket" "b" { bucket = "x" }
"#,
        )
        .unwrap();
        assert!(!facts.has_errors);
        assert_eq!(
            facts.providers,
            Providers::from([
                ("aws".to_owned(), Some("hashicorp/aws".to_owned())),
                ("google".to_owned(), Some("hashicorp/google".to_owned())),
            ])
        );
        assert_eq!(
            facts.modules.into_iter().collect::<Vec<_>>(),
            ["./modules/bucket", "terraform-aws-modules/vpc/aws"]
        );
    }

    #[test]
    fn every_provider_is_named_by_its_local_name() {
        let facts = parse(
            r#"
terraform {
  required_providers {
    alicloud = { source = "aliyun/alicloud" }
    random   = "~> 3.0"
  }
}
provider "alicloud" { region = "cn-hangzhou" }
provider "aws" { region = "eu-west-1" }
provider "google" {}
"#,
        )
        .unwrap();
        assert_eq!(
            facts.providers,
            Providers::from([
                ("alicloud".to_owned(), Some("aliyun/alicloud".to_owned())),
                ("aws".to_owned(), None),
                ("google".to_owned(), None),
                ("random".to_owned(), None),
            ])
        );
    }

    #[test]
    fn broken_input_is_flagged_not_fatal() {
        let facts = parse("resource \"x\" {{{{ \"").unwrap();
        assert!(facts.has_errors);
    }
}
