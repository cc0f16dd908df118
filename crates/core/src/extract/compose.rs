//! Compose files: `services.*.image`.

use serde_yaml_ng::Value;

use super::vars::substitute;
use super::yaml::{self, get};
use super::{is_reference, not_a_reference, ExtractError, Extracted, FoundRef, SourceKind};

/// Reads `services.*.image` from a Compose file. Variables are replaced by their default
/// (`${VAR:-default}`, `${VAR-default}`); the environment is not read, so a variable without
/// a default keeps that service's image out, with a problem naming the variable.
pub fn extract_compose(yaml: &str) -> Result<Extracted, ExtractError> {
    let root = yaml::parse(yaml, 1)?;
    let services = match get(&root, "services") {
        Some(Value::Mapping(m)) => Some(m),
        Some(Value::Null) => None,
        Some(_) => return Err(ExtractError::NotCompose("its `services` is not a mapping")),
        None if matches!(root, Value::Mapping(_)) => {
            return Err(ExtractError::NotCompose("it has no top-level `services`"))
        }
        None => return Err(ExtractError::NotCompose("it is not a YAML mapping")),
    };
    let mut out = Extracted {
        kind: SourceKind::Compose,
        references: Vec::new(),
        problems: Vec::new(),
    };
    for (name, service) in services.into_iter().flatten() {
        let name = yaml::scalar_text(name).unwrap_or_else(|| "?".to_owned());
        service_image(&name, service, &mut out);
    }
    Ok(out)
}

fn service_image(name: &str, service: &Value, out: &mut Extracted) {
    let origin = format!("services.{name}.image");
    let builds = get(service, "build").is_some_and(|b| !b.is_null());
    let image = match get(service, "image") {
        None | Some(Value::Null) => {
            out.problems.push(if builds {
                format!("service {name} builds from source; no image to check")
            } else if get(service, "extends").is_some() {
                format!("service {name} extends another service; its image was not followed")
            } else {
                format!("service {name} has no image")
            });
            return;
        }
        Some(v) => match yaml::scalar_text(v) {
            Some(s) => s,
            None => {
                out.problems.push(format!("{origin} is not a string"));
                return;
            }
        },
    };
    let reference = match substitute(image.trim(), &|_| None, true) {
        Ok(r) => r,
        Err(why) => {
            out.problems
                .push(format!("{origin} `{image}` {}", why.describe()));
            return;
        }
    };
    if !is_reference(&reference) {
        out.problems.push(not_a_reference(&origin, &reference));
        return;
    }
    if builds {
        out.problems.push(format!(
            "service {name} also builds from source, so {reference} may be a local build rather than an image in a registry"
        ));
    }
    // `platform: linux/arm64` selects the image variant, like Dockerfile's `--platform`.
    let platform = get(service, "platform")
        .and_then(yaml::scalar_text)
        .and_then(|p| substitute(p.trim(), &|_| None, true).ok())
        .filter(|p| !p.is_empty());
    out.references.push(FoundRef {
        reference,
        origin,
        platform,
    });
}
