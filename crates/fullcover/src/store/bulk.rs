//! Many rows at once, for seeded histories (`fullcover demo seed`): rows gathered per
//! table and written with multi-row INSERTs, all tables of a batch in one transaction.
//! The same SQL runs on SQLite and PostgreSQL. Table and column names are `'static`
//! strings of this crate, never input; values are always bound.

use std::fmt::Write as _;
use std::sync::Arc;

use sqlx::Row;

use super::{Result, Store, StoreError};

/// Bound parameters per statement: far below SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMETERS_PER_STATEMENT: usize = 4_000;

/// One value of a row. Nulls carry their type: PostgreSQL types an untyped NULL
/// parameter by its bind and refuses a bigint NULL in a text column.
#[derive(Debug, Clone)]
pub enum Cell {
    Int(i64),
    Text(Arc<str>),
    NullInt,
    NullText,
}

impl From<i64> for Cell {
    fn from(value: i64) -> Cell {
        Cell::Int(value)
    }
}

impl From<&str> for Cell {
    fn from(value: &str) -> Cell {
        Cell::Text(Arc::from(value))
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Cell {
        Cell::Text(Arc::from(value))
    }
}

impl From<&Arc<str>> for Cell {
    fn from(value: &Arc<str>) -> Cell {
        Cell::Text(Arc::clone(value))
    }
}

impl From<Option<i64>> for Cell {
    fn from(value: Option<i64>) -> Cell {
        value.map_or(Cell::NullInt, Cell::Int)
    }
}

impl From<Option<&str>> for Cell {
    fn from(value: Option<&str>) -> Cell {
        value.map_or(Cell::NullText, Cell::from)
    }
}

/// Rows for one table, in the order of its columns.
#[derive(Debug, Clone)]
pub struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    cells: Vec<Cell>,
}

impl Rows {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows {
            table,
            columns,
            cells: Vec::new(),
        }
    }

    /// Adds a row; its width must be the table's (a bug in the caller otherwise).
    pub fn push<const N: usize>(&mut self, row: [Cell; N]) -> Result<()> {
        if N != self.columns.len() {
            return Err(StoreError::Corrupt {
                what: "seeded row",
                detail: format!(
                    "{} values for the {} columns of {}",
                    N,
                    self.columns.len(),
                    self.table
                ),
            });
        }
        self.cells.extend(row);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.cells.len() / self.columns.len().max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn clear(&mut self) {
        self.cells.clear();
    }
}

impl Store {
    /// Writes every table's rows in one transaction, in the order given; returns the
    /// rows written.
    pub async fn insert_rows(&self, tables: &[&Rows]) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
        let mut written = 0;
        for rows in tables {
            let width = rows.columns.len().max(1);
            let per_statement = (PARAMETERS_PER_STATEMENT / width).max(1);
            for chunk in rows.cells.chunks(per_statement * width) {
                let sql = insert_sql(rows.table, rows.columns, chunk.len() / width);
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for cell in chunk {
                    query = match cell {
                        Cell::Int(value) => query.bind(*value),
                        Cell::Text(text) => query.bind(&**text),
                        Cell::NullInt => query.bind(None::<i64>),
                        Cell::NullText => query.bind(None::<&str>),
                    };
                }
                written += query.execute(&mut *tx).await?.rows_affected();
            }
        }
        tx.commit().await?;
        Ok(written)
    }

    /// The largest id in use in `table` (0 when empty): seeded rows with their own ids
    /// start after it.
    /// After a bulk load on PostgreSQL, rewrites the rows the triggers bumped once per
    /// row loaded (each repository's record version, each installation's security
    /// version): a seed of 3.2 million scans left `repositories` at 923 MB for 10,000
    /// rows and every organisation read scanning it. Live writes come at a pace
    /// autovacuum keeps up with; a bulk load does not. SQLite updates in place.
    pub async fn compact_after_bulk(&self) -> Result<()> {
        if self.backend() == super::Backend::Postgres {
            sqlx::raw_sql("VACUUM (FULL, ANALYZE) repositories, installations")
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    pub async fn max_id(&self, table: &'static str) -> Result<i64> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(MAX(id), 0) AS n FROM {table}"
        )))
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }
}

/// `INSERT INTO table (a, b) VALUES ($1, $2), ($3, $4)` for `rows` rows.
fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..width {
            let separator = if column == 0 { "" } else { ", " };
            // Writing to a String cannot fail.
            let _ = write!(sql, "{separator}${}", row * width + column + 1);
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value_once() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[tokio::test]
    async fn rows_of_several_statements_land_in_one_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&crate::store::sqlite_url(&dir.path().join("b.db")))
            .await
            .unwrap();
        let mut rows = Rows::new(
            "requirement_events",
            &["repository_id", "requirement", "event", "at"],
        );
        let count = PARAMETERS_PER_STATEMENT; // several statements' worth
        for at in 0..i64::try_from(count).unwrap() {
            rows.push([Cell::Int(7), "secrets".into(), "appeared".into(), at.into()])
                .unwrap();
        }
        assert!(rows.push([Cell::Int(7)]).is_err(), "a short row is refused");
        assert_eq!(store.insert_rows(&[&rows]).await.unwrap(), count as u64);
        assert_eq!(store.requirement_history(7).await.unwrap().len(), count);
    }
}
