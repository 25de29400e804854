//! The dependency-manifest formats a rule can name (`format = "package-json"` in
//! `rules/ecosystems.toml`); detection counts direct dependencies per format.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManifestFormat {
    PackageJson,
    RequirementsTxt,
    PyprojectToml,
    Pipfile,
    SetupCfg,
    GoMod,
    CargoToml,
    PomXml,
    Gradle,
    Gemfile,
    Gemspec,
    ComposerJson,
    /// `*.csproj`, `*.fsproj`, `*.vbproj`, `Directory.Packages.props`.
    MsbuildProject,
    PackagesConfig,
    PubspecYaml,
    MixExs,
    PackageSwift,
    Podfile,
    ChartYaml,
    DenoJson,
    ElmJson,
    /// `FROM` images, excluding stage names and `scratch`.
    Dockerfile,
    /// `services.*.image`.
    ComposeFile,
    /// GitHub Actions `uses:` of steps and jobs, excluding local `./` actions.
    Workflow,
    /// `module` blocks + `required_providers` entries, by simple line scan.
    Terraform,
    /// `.gitmodules` `[submodule]` sections.
    GitModules,
    CondaEnvironment,
    BuildSbt,
    /// Julia `Project.toml`.
    ProjectToml,
    Vcpkg,
    Conanfile,
    /// R `DESCRIPTION` Imports/Depends/LinkingTo.
    Description,
    Cabal,
    /// Ansible Galaxy `requirements.yml`.
    RequirementsYml,
}
