//! Counts and errors per manifest format, on text shaped like real manifests.

use serde_json::Value;

use super::*;
use super::{jvm::*, native::*, scripting::*};
use crate::formats::*;
use crate::rules::ManifestFormat;
use ManifestFormat as F;

fn count(format: ManifestFormat, text: &str) -> usize {
    match count_direct_dependencies(format, text) {
        Ok(n) => n,
        Err(e) => panic!("{format:?} failed to parse: {e}"),
    }
}

fn error(format: ManifestFormat, text: &str) -> ParseError {
    match count_direct_dependencies(format, text) {
        Ok(n) => panic!("{format:?} unexpectedly parsed ({n} dependencies)"),
        Err(e) => e,
    }
}

#[test]
fn all_patterns_compile() {
    for lazy in [
        &GRADLE_DEPENDENCIES_BLOCK,
        &GRADLE_DECLARATION,
        &SBT_MODULE,
        &MIX_DEPS,
        &SWIFT_PACKAGE,
    ] {
        assert!(regex(lazy).is_ok());
    }
}

#[test]
fn error_display_includes_line() {
    let err = ParseError::new(Some(3), "bad");
    assert_eq!(err.to_string(), "bad (line 3)");
    assert_eq!(ParseError::new(None, "bad").to_string(), "bad");
}

#[test]
fn format_serde_names_are_kebab_case() {
    let json = serde_json::to_string(&F::MsbuildProject).unwrap();
    assert_eq!(json, "\"msbuild-project\"");
    let parsed: ManifestFormat = serde_json::from_str("\"requirements-yml\"").unwrap();
    assert_eq!(parsed, F::RequirementsYml);
}

#[test]
fn package_json_unique_names_across_sections() {
    let text = r#"{
          "name": "web",
          "dependencies": { "react": "^18.2.0", "react-dom": "^18.2.0", "@tanstack/query": "5" },
          "devDependencies": { "typescript": "~5.4", "vite": "^5", "react": "^18.2.0" },
          "optionalDependencies": { "fsevents": "*" },
          "peerDependencies": { "react-dom": ">=17" },
          "scripts": { "build": "vite build" }
        }"#;
    assert_eq!(count(F::PackageJson, text), 6);
}

#[test]
fn package_json_errors() {
    let err = error(
        F::PackageJson,
        "{\n  \"dependencies\": {\n    \"a\": \"1\",\n  }\n}",
    );
    assert_eq!(err.line, Some(4));
    assert!(err.message.starts_with("invalid JSON"), "{err}");
    assert!(!err.message.contains(" at line "), "{err}");
    assert_eq!(error(F::PackageJson, "").line, Some(1));
    assert_eq!(error(F::PackageJson, "[1, 2]").line, Some(1));
}

#[test]
fn json_nesting_bomb_is_an_error_not_a_stack_overflow() {
    let text = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(error(F::PackageJson, &text).message.contains("recursion"));
}

#[test]
fn requirements_txt() {
    let text = r"
# Core
-r base.txt
-c constraints.txt
--index-url https://pypi.org/simple
--extra-index-url https://example.com/simple
Django>=4.2,<5  # web
djangorestframework==3.15.1
requests[security] >= 2.31 ; python_version >= '3.8'
requests[socks]
celery==5.3.6 \
    --hash=sha256:aaaa \
    --hash=sha256:bbbb
-e git+https://github.com/acme/widgets.git@main#egg=acme-widgets
--editable ./libs/shared
https://example.com/packages/tool-1.0.tar.gz
pandas @ https://example.com/pandas-2.2.tar.gz
zope.interface
Zope_Interface
";
    // django, drf, requests, celery, acme-widgets, ./libs/shared, tool URL, pandas, zope-interface
    assert_eq!(count(F::RequirementsTxt, text), 9);
}

#[test]
fn line_formats_accept_empty_input() {
    for format in [
        F::RequirementsTxt,
        F::SetupCfg,
        F::GoMod,
        F::Gradle,
        F::Gemfile,
        F::Gemspec,
        F::MixExs,
        F::PackageSwift,
        F::Podfile,
        F::Dockerfile,
        F::Terraform,
        F::GitModules,
        F::BuildSbt,
        F::Conanfile,
        F::Description,
        F::Cabal,
        // Empty TOML, YAML and XML documents are valid and declare nothing.
        F::CargoToml,
        F::PyprojectToml,
        F::Pipfile,
        F::ProjectToml,
        F::PubspecYaml,
        F::ChartYaml,
        F::ComposeFile,
        F::Workflow,
        F::CondaEnvironment,
        F::RequirementsYml,
        F::PomXml,
        F::MsbuildProject,
        F::PackagesConfig,
    ] {
        assert_eq!(count(format, ""), 0, "{format:?}");
    }
}

#[test]
fn ten_megabyte_line_is_handled() {
    let long = "x".repeat(10 * 1024 * 1024);
    let requirement = format!("{long}==1.0\nflask\n");
    assert_eq!(count(F::RequirementsTxt, &requirement), 2);
    let go = format!("module m\n\nrequire example.com/{long} v1.0.0\n");
    assert_eq!(count(F::GoMod, &go), 1);
    let docker = format!("FROM alpine:3.20\nRUN echo {long}\n");
    assert_eq!(count(F::Dockerfile, &docker), 1);
    let gradle = format!("dependencies {{\n  implementation(\"g:{long}:1\")\n}}\n");
    assert_eq!(count(F::Gradle, &gradle), 1);
    let package = format!("{{\"dependencies\": {{\"{long}\": \"1\"}}}}");
    assert_eq!(count(F::PackageJson, &package), 1);
    let comment = format!("{{\n  // {long}\n  \"imports\": {{\"std/\": \"jsr:@std\"}}\n}}");
    assert_eq!(count(F::DenoJson, &comment), 1);
    // Implicit keys are limited to 1024 characters by the YAML spec, so the long part is a value.
    let yaml = format!("dependencies:\n  http: \"{long}\"\n  path: {long}\n");
    assert_eq!(count(F::PubspecYaml, &yaml), 2);
    let swift = format!("// {long}\n.package(url: \"x\", from: \"1.0.0\")\n");
    assert_eq!(count(F::PackageSwift, &swift), 1);
}

#[test]
fn pyproject_pep621_poetry_and_groups() {
    let text = r#"
[project]
name = "acme-api"
dependencies = ["fastapi>=0.110", "uvicorn[standard]", "SQLAlchemy ~= 2.0", "pydantic_settings"]

[project.optional-dependencies]
postgres = ["psycopg[binary]>=3.1"]
all = ["acme_api[postgres]", "orjson"]

[dependency-groups]
test = ["pytest>=8", "pytest-cov", {include-group = "lint"}]
lint = ["ruff", "fastapi"]

[tool.poetry.dependencies]
python = "^3.11"
httpx = "^0.27"

[tool.poetry.group.docs.dependencies]
mkdocs = "*"

[tool.poetry.dev-dependencies]
mypy = "*"
"#;
    // fastapi uvicorn sqlalchemy pydantic-settings psycopg orjson pytest pytest-cov ruff httpx mkdocs mypy
    assert_eq!(count(F::PyprojectToml, text), 12);
}

#[test]
fn toml_errors_report_line() {
    let err = error(
        F::PyprojectToml,
        "[project]\nname = \"x\"\ndependencies = [\n\"a\",\n",
    );
    assert!(err.message.starts_with("invalid TOML"), "{err}");
    assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
    let err = error(F::CargoToml, "[package]\nname = \"a\"\nname = \"b\"\n");
    assert_eq!(err.line, Some(3));
}

#[test]
fn toml_nesting_bomb_is_an_error_not_a_stack_overflow() {
    let text = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(count_direct_dependencies(F::CargoToml, &text).is_err());
}

#[test]
fn pipfile() {
    let text = r#"
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
requests = "*"
flask = {version = "==3.0.*", extras = ["async"]}
Django_Filter = "*"

[dev-packages]
pytest = "*"
django-filter = "*"

[requires]
python_version = "3.12"
"#;
    assert_eq!(count(F::Pipfile, text), 4);
}

#[test]
fn setup_cfg() {
    let text = r"
[metadata]
name = acme
install_requires = not-in-options

[options]
packages = find:
install_requires =
    requests>=2
    # a comment
    click; python_version >= '3.8'
    importlib-metadata
tests_require = pytest; tox

[options.extras_require]
yaml = PyYAML>=6
toml =
    tomli
    requests

[options.entry_points]
console_scripts =
    acme = acme.cli:main
";
    // requests click importlib-metadata pytest tox pyyaml tomli
    assert_eq!(count(F::SetupCfg, text), 7);
}

#[test]
fn go_mod_excludes_indirect() {
    let text = r"module github.com/acme/svc

go 1.22

require github.com/spf13/cobra v1.8.0

require (
	github.com/gin-gonic/gin v1.9.1
	golang.org/x/sync v0.6.0 // indirect
	github.com/stretchr/testify v1.9.0 // tested
	// github.com/commented/out v1.0.0
	gopkg.in/yaml.v3 v3.0.1 // indirect; pulled by testify
)

replace github.com/gin-gonic/gin => ../gin
exclude github.com/old/thing v0.1.0
";
    assert_eq!(count(F::GoMod, text), 3);
}

#[test]
fn cargo_toml_all_sections() {
    let text = r#"
[package]
name = "fullcover"
version = "0.1.0"

[dependencies]
serde = { version = "1", features = ["derive"] }
anyhow = "1"

[dev-dependencies]
tempfile = "3"
serde = "1"

[build-dependencies]
cc = "1"

[target.'cfg(windows)'.dependencies]
windows-sys = "0.59"

[target.'cfg(unix)'.dev-dependencies]
nix = "0.29"

[workspace.dependencies]
tokio = "1"
"#;
    assert_eq!(count(F::CargoToml, text), 7);
}

#[test]
fn pom_counts_project_and_profile_dependencies_only() {
    let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>svc</artifactId>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-dependencies</artifactId></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <exclusions>
        <exclusion><groupId>x</groupId><artifactId>y</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- <dependency><groupId>c</groupId><artifactId>d</artifactId></dependency> -->
    <dependency>
      <groupId><![CDATA[org.junit.jupiter]]></groupId>
      <artifactId>junit&#45;jupiter</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <dependencies>
          <dependency><groupId>p</groupId><artifactId>q</artifactId></dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>it</id>
      <dependencies>
        <dependency><groupId>org.testcontainers</groupId><artifactId>postgresql</artifactId></dependency>
        <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId></dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
"#;
    assert_eq!(count(F::PomXml, text), 4);
}

#[test]
fn xml_errors_report_line() {
    let err = error(
        F::PomXml,
        "<project>\n  <dependencies>\n  </dependency>\n</project>\n",
    );
    assert!(err.message.starts_with("invalid XML"), "{err}");
    assert_eq!(err.line, Some(3));
    let err = error(F::PomXml, "<project>\n<dependencies>\n");
    assert!(err.message.contains("unclosed"), "{err}");
    assert!(
        count_direct_dependencies(F::MsbuildProject, "<Project><ItemGroup></Project>").is_err()
    );
    assert!(
        count_direct_dependencies(F::PackagesConfig, "<packages><package id=\"a\" </packages>")
            .is_err()
    );
}

#[test]
fn deeply_nested_xml_does_not_overflow() {
    let text = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
    assert_eq!(count(F::PomXml, &text), 0);
    assert_eq!(count(F::MsbuildProject, &text), 0);
}

#[test]
fn gradle_groovy_and_kotlin() {
    let groovy = r#"
buildscript {
    dependencies {
        classpath 'com.android.tools.build:gradle:8.3.0'
    }
}
plugins { id 'java' }
dependencies {
    implementation 'org.springframework.boot:spring-boot-starter-web'
    implementation platform('org.springframework.boot:spring-boot-dependencies:3.2.0')
    implementation group: 'com.google.guava', name: 'guava', version: '33.0-jre'
    // implementation 'commented:out:1'
    /* testImplementation 'also:commented:1' */
    compileOnly 'org.projectlombok:lombok'
    annotationProcessor 'org.projectlombok:lombok'
    testImplementation('org.junit.jupiter:junit-jupiter') {
        exclude group: 'org.hamcrest'
    }
    implementation project(':core')
    if (useFoo) {
        runtimeOnly 'foo:bar:1'
    }
    constraints {
        implementation 'org.apache.commons:commons-text:1.11.0'
    }
}
"#;
    assert_eq!(count(F::Gradle, groovy), 8);

    let kotlin = r#"
dependencies {
    implementation(libs.kotlinx.coroutines.core)
    implementation(platform("org.jetbrains.kotlin:kotlin-bom"))
    implementation(
        project(":shared")
    )
    ksp(libs.room.compiler)
    kapt("com.google.dagger:hilt-compiler:2.51")
    testImplementation(kotlin("test"))
    val x = "not a dependency { }"
}
kotlin {
    sourceSets {
        commonMain.dependencies {
            implementation(libs.ktor.client.core)
        }
    }
}
"#;
    assert_eq!(count(F::Gradle, kotlin), 7);
}

#[test]
fn gemfile_and_gemspec() {
    let gemfile = r#"
source "https://rubygems.org"
ruby "3.3.0"
gem "rails", "~> 7.1"
gem 'pg', '>= 1.1'
gem("puma")
# gem "commented"
group :development, :test do
  gem "rspec-rails"
  gem "rails"
end
gemspec
"#;
    assert_eq!(count(F::Gemfile, gemfile), 4);

    let gemspec = r#"
Gem::Specification.new do |spec|
  spec.name = "acme"
  spec.add_dependency "activesupport", ">= 6.1"
  spec.add_runtime_dependency('concurrent-ruby', '~> 1.0')
  spec.add_development_dependency "rake", "~> 13.0"
  # spec.add_development_dependency "commented"
  s.add_dependency(%q<thor>.freeze, [">= 1.0"])
  spec.add_development_dependency "activesupport"
end
"#;
    assert_eq!(count(F::Gemspec, gemspec), 4);
}

#[test]
fn composer_excludes_platform_packages() {
    let text = r#"{
            "require": { "php": "^8.2", "ext-json": "*", "lib-curl": "*", "laravel/framework": "^11.0", "guzzlehttp/guzzle": "^7.8" },
            "require-dev": { "phpunit/phpunit": "^11", "composer-runtime-api": "^2", "Laravel/Framework": "^11.0" }
        }"#;
    assert_eq!(count(F::ComposerJson, text), 3);
}

#[test]
fn msbuild_and_packages_config() {
    let csproj = r#"<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    <PackageReference Include="Serilog">
      <Version>3.1.1</Version>
    </PackageReference>
    <PackageReference Update="Serilog" Version="3.1.2" />
    <ProjectReference Include="..\Core\Core.csproj" />
    <!-- <PackageReference Include="Commented" /> -->
  </ItemGroup>
</Project>"#;
    assert_eq!(count(F::MsbuildProject, csproj), 2);

    let props = r#"<Project>
  <ItemGroup>
    <PackageVersion Include="xunit" Version="2.7.0" />
    <PackageVersion Include="Moq" Version="4.20.70" />
    <GlobalPackageReference Include="Nerdbank.GitVersioning" Version="3.6.133" />
  </ItemGroup>
</Project>"#;
    assert_eq!(count(F::MsbuildProject, props), 1);

    let config = r#"<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="EntityFramework" version="6.4.4" targetFramework="net48" />
  <package id="log4net" version="2.0.15" targetFramework="net48" />
  <package id="entityframework" version="6.4.4" targetFramework="net472" />
</packages>"#;
    assert_eq!(count(F::PackagesConfig, config), 2);
}

#[test]
fn pubspec_yaml() {
    let text = r"
name: app
environment:
  sdk: '>=3.3.0 <4.0.0'
dependencies:
  flutter:
    sdk: flutter
  http: ^1.2.0
  provider: ^6.1.1
dev_dependencies:
  flutter_test:
    sdk: flutter
  flutter_lints: ^3.0.0
  http: ^1.2.0
";
    assert_eq!(count(F::PubspecYaml, text), 5);
}

#[test]
fn yaml_errors_report_line() {
    let err = error(
        F::PubspecYaml,
        "name: app\ndependencies:\n  http: ^1.0\n   bad: [\n",
    );
    assert!(err.message.starts_with("invalid YAML"), "{err}");
    assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
}

#[test]
fn yaml_alias_bomb_fails_fast() {
    let bomb = r#"
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
dependencies: *i
"#;
    let started = std::time::Instant::now();
    let err = error(F::ChartYaml, bomb);
    assert!(err.message.starts_with("invalid YAML"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(parse_yaml_documents(bomb).is_err());
}

#[test]
fn yaml_deep_nesting_is_an_error() {
    let text = format!("dependencies: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(count_direct_dependencies(F::ChartYaml, &text).is_err());
}

#[test]
fn yaml_helpers() {
    assert_eq!(parse_yaml("").unwrap(), Value::Null);
    let value = parse_yaml("a: 1\nb: [x, y]\n").unwrap();
    assert_eq!(value.pointer("/b/1").and_then(Value::as_str), Some("y"));
    let value = parse_yaml("on:\n  push: {}\nflags: [yes, off, true]\n").unwrap();
    assert!(value.get("on").is_some());
    assert_eq!(
        value.pointer("/flags/0").and_then(Value::as_str),
        Some("yes")
    );
    assert_eq!(value.pointer("/flags/2"), Some(&Value::Bool(true)));
    let docs = parse_yaml_documents("a: 1\n---\nb: 2\n---\n").unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].get("b").and_then(Value::as_i64), Some(2));
    assert!(parse_yaml("a: 1\n---\nb: 2\n").is_err());
}

#[test]
fn mix_exs() {
    let text = r#"
defmodule Acme.MixProject do
  use Mix.Project

  def project do
    [app: :acme, version: "0.1.0", deps: deps()]
  end

  defp deps do
    [
      {:phoenix, "~> 1.7.11"},
      {:ecto_sql, "~> 3.10"},
      # {:commented, "~> 1.0"},
      {:credo, "~> 1.7", only: [:dev, :test], runtime: false},
      {:my_dep, git: "https://example.com/{:fake, 1}.git", tag: "0.1.0"},
      {:jason, "~> 1.2"}
    ]
  end
end
"#;
    assert_eq!(count(F::MixExs, text), 5);
}

#[test]
fn package_swift() {
    let text = r#"// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Acme",
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
        // .package(url: "https://example.com/commented", from: "1.0.0"),
        .package(path: "../LocalKit"),
    ],
    targets: [
        .executableTarget(name: "acme", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ]
)
"#;
    assert_eq!(count(F::PackageSwift, text), 3);
}

#[test]
fn podfile() {
    let text = r"
platform :ios, '15.0'
target 'App' do
  use_frameworks!
  pod 'Alamofire', '~> 5.8'
  pod 'Firebase/Analytics'
  # pod 'Commented'
  target 'AppTests' do
    inherit! :search_paths
    pod 'Quick'
    pod 'Alamofire'
  end
end
";
    assert_eq!(count(F::Podfile, text), 3);
}

#[test]
fn chart_yaml() {
    let text = r#"
apiVersion: v2
name: acme
version: 1.2.3
dependencies:
  - name: postgresql
    version: "15.x.x"
    repository: oci://registry-1.docker.io/bitnamicharts
  - name: redis
    version: "19.x.x"
    repository: https://charts.bitnami.com/bitnami
    condition: redis.enabled
"#;
    assert_eq!(count(F::ChartYaml, text), 2);
}

#[test]
fn deno_json_accepts_jsonc() {
    let text = r#"{
  // import map
  "imports": {
    "@std/assert": "jsr:@std/assert@^1.0.0",
    "hono": "npm:hono@4", /* inline */
    "url//with-slashes": "https://deno.land/x/mod.ts",
  },
  "tasks": { "dev": "deno run -A main.ts" },
}"#;
    assert_eq!(count(F::DenoJson, text), 3);
    assert_eq!(
        error(F::DenoJson, "{\n\"imports\": {\n\"a\" \"b\"}}").line,
        Some(3)
    );
}

#[test]
fn elm_json_application_and_package() {
    let application = r#"{
    "type": "application",
    "source-directories": ["src"],
    "elm-version": "0.19.1",
    "dependencies": {
        "direct": { "elm/browser": "1.0.2", "elm/core": "1.0.5", "elm/html": "1.0.0" },
        "indirect": { "elm/json": "1.1.3", "elm/time": "1.0.0" }
    },
    "test-dependencies": {
        "direct": { "elm-explorations/test": "2.2.0" },
        "indirect": { "elm/random": "1.0.0" }
    }
}"#;
    assert_eq!(count(F::ElmJson, application), 4);
    let package = r#"{
    "type": "package",
    "name": "acme/widgets",
    "dependencies": { "elm/core": "1.0.0 <= v < 2.0.0", "elm/json": "1.0.0 <= v < 2.0.0" },
    "test-dependencies": { "elm-explorations/test": "2.0.0 <= v < 3.0.0" }
}"#;
    assert_eq!(count(F::ElmJson, package), 3);
}

#[test]
fn dockerfile_multi_stage() {
    let text = r"# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
RUN go build -o /out/app \
    ./cmd/app
FROM build AS test
RUN go test ./...
from node:20 as Assets
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
FROM scratch AS minimal
COPY --from=assets /dist /dist
FROM \

  # comment inside a continued instruction
  cgr.dev/chainguard/static
";
    // golang, node, distroless, chainguard (stages `build`/`assets` and `scratch` excluded)
    assert_eq!(count(F::Dockerfile, text), 4);
}

#[test]
fn dockerfile_escape_directive() {
    let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 `\n  AS base\nFROM base\nRUN dir c:\\\n";
    assert_eq!(count(F::Dockerfile, text), 1);
}

#[test]
fn compose_file() {
    let text = r#"
services:
  web:
    build: .
    ports: ["8080:80"]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
  cache:
    image: "redis:7-alpine"
  replica:
    image: postgres:16
x-common: &common
  restart: always
"#;
    assert_eq!(count(F::ComposeFile, text), 2);
}

#[test]
fn workflow_uses() {
    let text = r"
name: CI
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with: { go-version: '1.22' }
      - run: go test ./...
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: golangci/golangci-lint-action@v6
  release:
    uses: acme/workflows/.github/workflows/release.yml@v1
    secrets: inherit
  local:
    uses: ./.github/workflows/reusable.yml
";
    assert_eq!(count(F::Workflow, text), 5);
}

#[test]
fn terraform_modules_and_providers() {
    let text = r#"
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = { source = "hashicorp/random" }
    # google = { source = "hashicorp/google" }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.5.0"
  tags = { Name = "x" }
}

/*
module "disabled" {
  source = "./disabled"
}
*/
module "eks" {
  source = "terraform-aws-modules/eks/aws"
}

module "local" {
  source = "./modules/local"
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-${var.env}"
}
"#;
    assert_eq!(count(F::Terraform, text), 5);
}

#[test]
fn git_modules() {
    let text = r#"
[submodule "vendor/lib"]
	path = vendor/lib
	url = https://github.com/acme/lib.git
[submodule "docs/theme"]
	path = docs/theme
	url = https://github.com/acme/theme.git
	branch = main
"#;
    assert_eq!(count(F::GitModules, text), 2);
}

#[test]
fn conda_environment() {
    let text = r"
name: science
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy>=1.26
  - conda-forge::pandas
  - scipy 1.12.*
  - pip
  - pip:
      - -r requirements.txt
      - --index-url https://example.com
      - requests==2.31.0
      - -e ./local
";
    assert_eq!(count(F::CondaEnvironment, text), 7);
}

#[test]
fn build_sbt() {
    let text = r#"
ThisBuild / scalaVersion := "3.4.0"
libraryDependencies ++= Seq(
  "org.typelevel" %% "cats-core" % "2.10.0",
  "org.scalatest" %% "scalatest" % "3.2.18" % Test,
  "com.typesafe" % "config" % configVersion,
  // "commented" %% "out" % "1.0",
  "org.scala-js" %%% "scalajs-dom" % "2.8.0"
)
libraryDependencies += "org.typelevel" %% "cats-core" % "2.10.0"
excludeDependencies += "org.slf4j" % "slf4j-log4j12"
"#;
    assert_eq!(count(F::BuildSbt, text), 4);
}

#[test]
fn julia_project_toml() {
    let text = r#"
name = "Acme"
uuid = "7876af07-990d-54b4-ab0e-23690620f79a"

[deps]
DataFrames = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"
JSON3 = "0f8b85d8-7281-11e9-16c2-39a750bddbf1"
LinearAlgebra = "37e2e46d-f89d-539d-b4ee-838fcccc9c8e"

[compat]
julia = "1.10"
"#;
    assert_eq!(count(F::ProjectToml, text), 3);
}

#[test]
fn vcpkg_json() {
    let text = r#"{
  "name": "acme",
  "version-string": "1.0",
  "dependencies": [
    "fmt",
    { "name": "boost-asio", "version>=": "1.84.0" },
    { "name": "openssl", "platform": "!windows" },
    "fmt"
  ]
}"#;
    assert_eq!(count(F::Vcpkg, text), 3);
}

#[test]
fn conanfile_txt() {
    let text = r"
[requires]
zlib/1.3.1
boost/1.84.0@acme/stable  # pinned
# openssl/3.2.1

[tool_requires]
cmake/3.28.1

[generators]
CMakeDeps
CMakeToolchain

[options]
boost/*:shared=True
";
    assert_eq!(count(F::Conanfile, text), 3);
}

#[test]
fn r_description() {
    let text = r"Package: acme
Title: Acme Tools
Version: 0.1.0
Depends:
    R (>= 4.1.0),
    methods
Imports: dplyr (>= 1.1.0), rlang,
    tibble,
    purrr
LinkingTo: Rcpp
Suggests: testthat (>= 3.0.0), knitr
";
    assert_eq!(count(F::Description, text), 6);
}

#[test]
fn cabal_build_depends() {
    let text = r"cabal-version: 3.0
name:          acme
version:       0.1.0.0

library
  exposed-modules: Acme
  -- build-depends: commented
  build-depends:
      base >=4.17 && <5
    , text ^>=2.0
    , containers
  default-language: Haskell2010

executable acme
  main-is: Main.hs
  build-depends: base, acme, optparse-applicative >=0.18

test-suite spec
  type: exitcode-stdio-1.0
  Build-Depends: base, acme:internal, hspec
";
    // base text containers optparse-applicative hspec (acme itself excluded)
    assert_eq!(count(F::Cabal, text), 5);
}

#[test]
fn ansible_requirements() {
    let text = r"
roles:
  - name: geerlingguy.docker
    version: 7.1.0
  - src: https://github.com/acme/ansible-role-base.git
    scm: git
    name: base
  - geerlingguy.pip
collections:
  - name: community.general
    version: '>=8.0.0'
  - ansible.posix
";
    assert_eq!(count(F::RequirementsYml, text), 5);
    let legacy = "- src: geerlingguy.java\n- src: geerlingguy.nginx\n  version: 3.1.0\n";
    assert_eq!(count(F::RequirementsYml, legacy), 2);
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let json = "\u{feff}{\r\n  \"dependencies\": { \"left-pad\": \"1\" }\r\n}\r\n";
    assert_eq!(count(F::PackageJson, json), 1);
    let csproj = "\u{feff}<Project>\r\n<ItemGroup><PackageReference Include=\"Dapper\" /></ItemGroup>\r\n</Project>";
    assert_eq!(count(F::MsbuildProject, csproj), 1);
    let requirements = "flask==3.0 \\\r\n    --hash=sha256:abc\r\n# note\r\nclick\r\n";
    assert_eq!(count(F::RequirementsTxt, requirements), 2);
    let dockerfile = "FROM node:20 AS deps\r\nFROM deps\r\n";
    assert_eq!(count(F::Dockerfile, dockerfile), 1);
}

#[test]
fn xml_entities_from_a_dtd_are_not_expanded() {
    let text = r#"<?xml version="1.0"?>
<!DOCTYPE project [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<project>
  <dependencies>
    <dependency><groupId>&lol2;</groupId><artifactId>&xxe;</artifactId></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></dependency>
  </dependencies>
</project>"#;
    assert_eq!(count(F::PomXml, text), 2);
}

#[test]
fn mask_preserves_offsets_and_lines() {
    let text = "a // é comment\n\"str // not\" /* multi\nline */ b";
    let masked = mask(text, &JVM, false);
    assert_eq!(masked.len(), text.len());
    assert_eq!(masked.lines().count(), text.lines().count());
    assert!(masked.contains("\"str // not\""));
    assert!(!masked.contains("comment") && !masked.contains("multi"));
    let blanked = mask(text, &JVM, true);
    assert!(!blanked.contains("str"));
}
