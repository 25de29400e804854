//! The organisation's `.github/fullcover.yml` applies to every repository the App scans,
//! under the repository's own file, and is read once however many repositories there are.

use fullcover::store::RepoState;

use crate::world::{World, fake_options, small_service};
use fullcover_fake_github::RepoSpec;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_configuration_applies_under_each_repository_s_own() {
    let world = World::new(
        vec![
            RepoSpec::new(".github").file(
                ".github/fullcover.yml",
                "# Every repository opts in on its own.\nonboarding: false\n",
            ),
            small_service("quiet"),
            small_service("quieter"),
            small_service("eager").file(".github/fullcover.yml", "onboarding: true\n"),
        ],
        fake_options(),
    )
    .await;
    world.install().await;
    world.settle().await;
    for name in ["quiet", "quieter"] {
        assert!(world.pulls(name).is_empty(), "{name} got a pull request");
        let id = world.repository_id(name).await;
        let record = world.store().repository(id).await.unwrap().unwrap();
        assert_eq!(record.state, RepoState::OptedOut, "{name}");
    }
    assert_eq!(
        world.pulls("eager").len(),
        1,
        "the repository's own file wins"
    );
    // A later scan reads the organisation's file from the cache: one conditional
    // request, answered 304, and no blob.
    let before = world.fake.requests().len();
    world
        .push_file(
            "quiet",
            "main",
            "requirements.txt",
            b"flask==3.0.3\n".to_vec(),
            "add an API",
        )
        .await;
    let later: Vec<_> = world.fake.requests()[before..]
        .iter()
        .filter(|r| r.path.starts_with("/repos/acme/.github/"))
        .map(|r| (r.route.clone(), r.status))
        .collect();
    assert_eq!(
        later,
        [("GET /repos/{owner}/{repo}/git/ref/{ref}".to_owned(), 304)],
        "{later:?}"
    );
    assert!(world.pulls("quiet").is_empty());
}
