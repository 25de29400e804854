//! Fuzz target for webhook payloads: `Event::parse` on mutated deliveries of every event
//! the App reads. Seeds are `@octokit/webhooks-examples` payloads, named
//! `<event>.<action>.json`. The driver and its budget: `tests/fuzz/driver.rs`; `.ci/run`
//! runs this with a time budget.

use fullcover::app::events::Event;

#[path = "../../../../tests/fuzz/driver.rs"]
mod driver;

#[test]
#[ignore = "needs time: fuzzing"]
fn fuzz_webhook_payloads() {
    let dictionary = [
        "\"installation\":{\"id\":1}",
        "\"action\":\"created\"",
        "\"action\":\"closed\"",
        "\"merged\":true",
        "\"repository\":{\"id\":1,\"full_name\":\"a/b\"}",
        "\"id\":",
        "18446744073709551616",
        "-1",
        "1e999",
        "null",
        "[]",
        "{}",
        "\"\\ud800\"",
        "\"\\u0000\"",
    ];
    driver::fuzz("webhook", &dictionary, |name, input| {
        let event = name.split('.').next().unwrap_or_default();
        let payload = String::from_utf8_lossy(input);
        match Event::parse("guid-1", event, &payload) {
            Ok(parsed) => {
                let _ = format!("{parsed:?}");
            }
            Err(err) => {
                let message = err.to_string();
                assert!(
                    message.contains("guid-1") && message.contains(event),
                    "the error names the delivery and its event: {message}"
                );
            }
        }
    });
}
