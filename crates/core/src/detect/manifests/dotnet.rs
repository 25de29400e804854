//! Direct dependencies of MSBuild projects (`PackageReference`, central package versions) and `packages.config`.

use crate::formats::{ParseError, xml_attribute_values};

pub(super) fn msbuild_project(text: &str) -> Result<usize, ParseError> {
    // `PackageVersion` (central package management) pins a version; it declares nothing.
    let elements = ["PackageReference", "GlobalPackageReference"];
    Ok(xml_attribute_values(text, &elements, "Include")?.len())
}

pub(super) fn packages_config(text: &str) -> Result<usize, ParseError> {
    Ok(xml_attribute_values(text, &["package"], "id")?.len())
}
