//! Terraform configuration read with the tree-sitter HCL grammar: the providers a
//! configuration uses and the sources of the modules it calls.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use tree_sitter::{Node, Parser};

/// What one `.tf` file declares.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TerraformFacts {
    /// Provider sources (`hashicorp/aws`), or local names when no source is given.
    pub providers: BTreeSet<String>,
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
                facts.providers.insert(label);
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
        if let Some(provider) = source.or(name) {
            // A local name declared here also names the provider of a `provider` block.
            facts.providers.insert(provider);
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

/// Provider local names that a `required_providers` source already names, so that
/// `aws` and `hashicorp/aws` are reported once.
pub fn merge_providers(providers: &BTreeSet<String>) -> BTreeSet<String> {
    let sourced: BTreeSet<&str> = providers
        .iter()
        .filter_map(|p| p.rsplit_once('/').map(|(_, name)| name))
        .collect();
    providers
        .iter()
        .filter(|p| p.contains('/') || !sourced.contains(p.as_str()))
        .cloned()
        .collect()
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
            merge_providers(&facts.providers)
                .into_iter()
                .collect::<Vec<_>>(),
            ["hashicorp/aws", "hashicorp/google"]
        );
        assert_eq!(
            facts.modules.into_iter().collect::<Vec<_>>(),
            ["./modules/bucket", "terraform-aws-modules/vpc/aws"]
        );
    }

    #[test]
    fn broken_input_is_flagged_not_fatal() {
        let facts = parse("resource \"x\" {{{{ \"").unwrap();
        assert!(facts.has_errors);
    }
}
