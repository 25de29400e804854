//! The read model against the reference: the demo's seeded organisation read through
//! the read model gives the report `org_report` computes from the raw record, follows
//! every write (a scan, a pull request, a state change) through the triggers, and expires
//! when time alone changes coverage; the repository list pages and filters server-side.
//! The same suite on SQLite and on PostgreSQL.

use fullcover::demo::history::{ORG, seed};
use fullcover::store::rollups::{RepoQuery, RepoSort};
use fullcover::store::{RepoState, Store};
use fullcover_core::metrics::rollup::{org_report_from_rows, summary_at};
use fullcover_core::metrics::{DAY, OrgReport, org_report};
use fullcover_core::rules::RuleSet;

use super::store::{postgres_store, sqlite_store};

const NOW: i64 = 1_700_000_000;

fn everything() -> RepoQuery {
    RepoQuery {
        per_page: 500,
        ..RepoQuery::default()
    }
}

async fn reference(store: &Store, rules: &RuleSet, now: i64) -> OrgReport {
    let raw = store.org_history(ORG, now).await.unwrap().unwrap();
    org_report(ORG, &raw, &rules.scanners, now)
}

async fn from_read_model(store: &Store, rules: &RuleSet, now: i64) -> OrgReport {
    let rows = store
        .org_rows(ORG, &everything(), rules, now)
        .await
        .unwrap()
        .unwrap();
    let mut page: Vec<_> = rows
        .page
        .into_iter()
        .map(|(line, timeline)| summary_at(line, &timeline, now))
        .collect();
    // The reference lists repositories by full name.
    page.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    org_report_from_rows(ORG, &rows.timelines, rows.broken, page, now)
}

async fn suite(store: Store) {
    let rules = RuleSet::embedded().unwrap();
    seed(&store, NOW).await.unwrap();

    // Built on first read, equal to the reference.
    let first = from_read_model(&store, &rules, NOW).await;
    assert_eq!(first, reference(&store, &rules, NOW).await);
    assert!(first.repos.len() >= 8, "{} repositories", first.repos.len());
    assert!(first.history.len() > 30);
    // So does the security fingerprint, with every change of the security record.
    let security = store.security_fingerprint(ORG).await.unwrap();
    assert!(security > 0, "the seeded findings count");
    store
        .set_installation_permissions(
            fullcover::demo::history::INSTALLATION,
            &std::collections::BTreeMap::from([(
                "secret_scanning_alerts".to_owned(),
                "read".to_owned(),
            )]),
        )
        .await
        .unwrap();
    assert!(store.security_fingerprint(ORG).await.unwrap() > security);
    assert_eq!(store.security_fingerprint("nobody").await.unwrap(), 0);
    // Nothing left to rebuild once read.
    assert_eq!(
        store.refresh_rollups(Some(ORG), &rules, NOW).await.unwrap(),
        0
    );

    // Other rules (a new release, or an edited rules directory): every row was computed
    // under the old ones. A read does not wait for them; the background pass rebuilds
    // each once, and the rows then agree with the reference under the new rules.
    let dir = tempfile::tempdir().unwrap();
    let scanners = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/scanners.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scanners.toml"),
        format!("{scanners}\n# edited\n"),
    )
    .unwrap();
    let edited = RuleSet::from_dir_or_embedded(Some(dir.path())).unwrap();
    assert_ne!(edited.digest, rules.digest);
    assert_eq!(
        store
            .refresh_rollups(Some(ORG), &edited, NOW)
            .await
            .unwrap(),
        0,
        "a read's refresh leaves rows under other rules to the background"
    );
    // The background pass, paced: a few rows at a time, then the rest.
    assert_eq!(
        store.refresh_some_rollups(&edited, NOW, 3).await.unwrap(),
        3
    );
    assert_eq!(
        store.refresh_rollups(None, &edited, NOW).await.unwrap(),
        first.repos.len() - 3
    );
    assert_eq!(store.refresh_rollups(None, &edited, NOW).await.unwrap(), 0);
    assert_eq!(
        from_read_model(&store, &edited, NOW).await,
        reference(&store, &edited, NOW).await
    );
    assert_eq!(
        store.refresh_rollups(None, &rules, NOW).await.unwrap(),
        first.repos.len(),
        "back to the first rules: rebuilt again"
    );

    // A write the read model must follow: a repository leaves scope.
    let leaving = first
        .repos
        .iter()
        .find(|line| line.in_scope)
        .unwrap()
        .full_name
        .clone();
    let id = store
        .org_history(ORG, NOW)
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|repo| repo.full_name == leaving)
        .unwrap()
        .id;
    store
        .set_repository_state(id, RepoState::Excluded, Some("archived"))
        .await
        .unwrap();
    assert_eq!(
        store.refresh_rollups(Some(ORG), &rules, NOW).await.unwrap(),
        1
    );
    let after = from_read_model(&store, &rules, NOW).await;
    assert_eq!(after, reference(&store, &rules, NOW).await);
    assert_eq!(after.repos_in_scope + 1, first.repos_in_scope);

    // Time alone: ten days on, rows whose grace or run window ended are rebuilt and the
    // numbers still agree.
    let later = NOW + 10 * DAY;
    assert_eq!(
        from_read_model(&store, &rules, later).await,
        reference(&store, &rules, later).await
    );

    // Pages, filters and sorting, server-side.
    let query = |per_page, page| RepoQuery {
        per_page,
        page,
        ..RepoQuery::default()
    };
    let all = store
        .org_rows(ORG, &everything(), &rules, NOW)
        .await
        .unwrap()
        .unwrap();
    let total = all.matching;
    assert_eq!(total as usize, all.timelines.len());
    let mut paged = Vec::new();
    for page in 1..=total.div_ceil(3) as u32 {
        let rows = store
            .org_rows(ORG, &query(3, page), &rules, NOW)
            .await
            .unwrap()
            .unwrap();
        assert!(rows.page.len() <= 3);
        assert_eq!(rows.matching, total);
        paged.extend(rows.page.into_iter().map(|(line, _)| line.name));
    }
    let mut sorted = paged.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(paged, sorted, "pages in name order, none twice");
    assert_eq!(paged.len() as u64, total);

    let filtered = async |query: RepoQuery| {
        store
            .org_rows(ORG, &query, &rules, NOW)
            .await
            .unwrap()
            .unwrap()
    };
    let excluded = filtered(RepoQuery {
        state: Some("excluded".into()),
        ..everything()
    })
    .await;
    let expected = after
        .repos
        .iter()
        .filter(|line| line.state == "excluded")
        .count();
    assert!(expected >= 1);
    assert_eq!(excluded.matching as usize, expected);
    assert!(
        excluded
            .page
            .iter()
            .all(|(line, _)| line.state == "excluded")
    );
    assert!(
        excluded
            .page
            .iter()
            .any(|(line, _)| line.full_name == leaving)
    );
    let with_missing = first
        .repos
        .iter()
        .find_map(|line| line.missing.first().cloned())
        .unwrap();
    let missing = filtered(RepoQuery {
        missing: Some(with_missing.clone()),
        ..everything()
    })
    .await;
    assert!(missing.matching > 0);
    assert!(
        missing
            .page
            .iter()
            .all(|(line, _)| line.missing.contains(&with_missing))
    );
    let expected = after
        .repos
        .iter()
        .filter(|line| line.missing.contains(&with_missing))
        .count();
    assert_eq!(missing.matching as usize, expected);
    let name = &paged[0];
    let by_name = filtered(RepoQuery {
        name: Some(name[1..name.len() - 1].to_uppercase()),
        ..everything()
    })
    .await;
    assert!(by_name.page.iter().any(|(line, _)| &line.name == name));
    // LIKE's wildcards are matched literally.
    for wildcard in ["%", "_"] {
        let none = filtered(RepoQuery {
            name: Some(wildcard.into()),
            ..everything()
        })
        .await;
        assert_eq!(none.matching, 0, "{wildcard} matched");
    }
    let by_coverage = filtered(RepoQuery {
        sort: RepoSort::Coverage,
        ..everything()
    })
    .await;
    let percents: Vec<f64> = by_coverage
        .page
        .iter()
        .map(|(line, _)| line.coverage_percent.unwrap_or(-1.0))
        .collect();
    assert!(
        percents.windows(2).all(|pair| pair[0] <= pair[1]),
        "{percents:?}"
    );

    // One repository's row, by name in any case.
    let (row_id, line, _) = store
        .repo_row(
            ORG,
            &leaving.rsplit('/').next().unwrap().to_uppercase(),
            &rules,
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row_id, id);
    assert_eq!(line.state, "excluded");
    assert!(
        store
            .repo_row(ORG, "nope", &rules, NOW)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .org_rows("nobody", &everything(), &rules, NOW)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn sqlite_read_model_agrees_with_the_record() {
    let (store, _dir) = sqlite_store().await;
    suite(store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL"]
async fn postgres_read_model_agrees_with_the_record() {
    suite(postgres_store().await).await;
}
