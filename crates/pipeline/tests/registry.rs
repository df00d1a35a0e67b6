//! The YANG schema registry: a module set registered subject by subject with its references,
//! looked up by id and by version, and what it refuses, each refusal with the reason libyang or
//! the registry gives.

use rfc3535_pipeline::registry::{
    Reference, RegisteredSchema, Registry, RegistryClient, RegistryError,
};
use rfc3535_yang::standard_modules;

fn module(name: &str) -> String {
    std::fs::read_to_string(standard_modules().join(format!("{name}.yang")))
        .unwrap_or_else(|error| panic!("{name}.yang (scripts/setup-test-env installs it): {error}"))
}

fn yang(text: String, references: &[&str]) -> RegisteredSchema {
    RegisteredSchema {
        schema: text,
        schema_type: "YANG".into(),
        references: references
            .iter()
            .map(|name| Reference {
                name: (*name).into(),
                subject: (*name).into(),
                version: 1,
            })
            .collect(),
    }
}

/// Registers ietf-system and what it imports, leaves first; returns ietf-system's id.
pub async fn register_ietf_system(client: &RegistryClient) -> Result<u32, RegistryError> {
    for name in ["ietf-yang-types", "ietf-inet-types", "iana-crypt-hash"] {
        client.register(name, &yang(module(name), &[])).await?;
    }
    client
        .register(
            "ietf-netconf-acm",
            &yang(module("ietf-netconf-acm"), &["ietf-yang-types"]),
        )
        .await?;
    let imports = [
        "ietf-yang-types",
        "ietf-inet-types",
        "ietf-netconf-acm",
        "iana-crypt-hash",
    ];
    client
        .register("ietf-system", &yang(module("ietf-system"), &imports))
        .await
}

#[tokio::test]
async fn a_module_set_registers_and_reads_back_by_id_and_version() {
    let registry = Registry::start().await.expect("a loopback port");
    let client = RegistryClient::new(registry.address());
    let id = register_ietf_system(&client)
        .await
        .expect("the set compiles");
    let schema = client.schema(id).await.expect("by id");
    assert_eq!(schema.schema_type, "YANG");
    assert_eq!(
        rfc3535_yang::module_name(&schema.schema).as_deref(),
        Some("ietf-system")
    );
    assert_eq!(schema.references.len(), 4);
    assert_eq!(
        client
            .version("ietf-system", "latest")
            .await
            .expect("latest"),
        (1, id)
    );
    // The same schema again under the same subject is the same id and version.
    let again = client
        .register("ietf-system", &schema)
        .await
        .expect("registered again");
    assert_eq!(again, id);
    assert_eq!(
        client
            .version("ietf-system", "latest")
            .await
            .expect("latest"),
        (1, id)
    );
}

#[tokio::test]
async fn a_module_and_everything_it_imports_register_from_a_directory() {
    let registry = Registry::start().await.expect("a loopback port");
    let client = RegistryClient::new(registry.address());
    let dir = standard_modules();
    let id = client
        .register_modules(&dir, "ietf-yang-push")
        .await
        .expect("ietf-yang-push and its imports register");
    let schema = client.schema(id).await.expect("by id");
    assert_eq!(
        rfc3535_yang::module_name(&schema.schema).as_deref(),
        Some("ietf-yang-push")
    );
    for import in [
        "ietf-subscribed-notifications",
        "ietf-datastores",
        "ietf-yang-patch",
    ] {
        assert!(
            schema.references.iter().any(|r| r.name == import),
            "{import} in {:?}",
            schema.references
        );
        client
            .version(import, "latest")
            .await
            .expect("registered too");
    }
}

#[tokio::test]
async fn what_cannot_compile_or_resolve_is_refused_with_the_reason() {
    let registry = Registry::start().await.expect("a loopback port");
    let client = RegistryClient::new(registry.address());

    // An import with no reference, even of a module libyang carries itself.
    let refused = client
        .register("ietf-netconf-acm", &yang(module("ietf-netconf-acm"), &[]))
        .await;
    assert!(
        matches!(&refused, Err(RegistryError::Refused { status: 422, code: 42201, message }) if message.contains("imports ietf-yang-types with no reference")),
        "{refused:?}"
    );
    // A reference that resolves to another module.
    client
        .register("iana-crypt-hash", &yang(module("iana-crypt-hash"), &[]))
        .await
        .expect("a module without imports");
    let mut wrong = yang(module("ietf-netconf-acm"), &["ietf-yang-types"]);
    wrong.references[0].subject = "iana-crypt-hash".into();
    let refused = client.register("ietf-netconf-acm", &wrong).await;
    assert!(
        matches!(&refused, Err(RegistryError::Refused { code: 42201, message, .. }) if message.contains("resolves to module iana-crypt-hash")),
        "{refused:?}"
    );
    // Every import referenced, but a type the imported module does not define.
    let undefined = "module uses-undefined { yang-version 1.1; namespace \"urn:example:u\"; \
        prefix u; import iana-crypt-hash { prefix ianach; } leaf x { type ianach:no-such-type; } }";
    let refused = client
        .register(
            "uses-undefined",
            &yang(undefined.into(), &["iana-crypt-hash"]),
        )
        .await;
    assert!(
        matches!(&refused, Err(RegistryError::Refused { code: 42201, message, .. }) if message.contains("libyang does not compile")),
        "{refused:?}"
    );
    // A reference to a subject nobody registered.
    let refused = client
        .register(
            "ietf-netconf-acm",
            &yang(module("ietf-netconf-acm"), &["ietf-yang-types"]),
        )
        .await;
    assert!(
        matches!(&refused, Err(RegistryError::Refused { code: 42201, message, .. }) if message.contains("not registered")),
        "{refused:?}"
    );
    // Not YANG at all, and YANG that does not parse.
    let mut avro = yang("{\"type\": \"record\"}".into(), &[]);
    avro.schema_type = "AVRO".into();
    let refused = client.register("other", &avro).await;
    assert!(
        matches!(&refused, Err(RegistryError::Refused { message, .. }) if message.contains("only YANG")),
        "{refused:?}"
    );
    let refused = client
        .register("broken", &yang("module broken { namespace".into(), &[]))
        .await;
    assert!(
        matches!(&refused, Err(RegistryError::Refused { code: 42201, .. })),
        "{refused:?}"
    );
    // Unknown ids and subjects are 404s.
    assert!(matches!(
        client.schema(99).await,
        Err(RegistryError::Refused {
            status: 404,
            code: 40403,
            ..
        })
    ));
    assert!(matches!(
        client.version("nothing", "latest").await,
        Err(RegistryError::Refused {
            status: 404,
            code: 40401,
            ..
        })
    ));
}
