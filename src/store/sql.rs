//! The SQL both databases speak: statements are written once, with `?1`-style placeholders
//! and portable syntax (`ON CONFLICT … DO`, `RETURNING`, `CASE`), and run on SQLite or
//! PostgreSQL through [`Conn`]. Values are integers, text or NULL: every integer column is
//! 64-bit on both, and flags are stored as 0 or 1.

use super::{Result, StoreError};

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(v.into())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(v.into())
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(v.into())
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Parameters of a statement: `args![chat_id, text]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::store::sql::Value::from($value)),*] as &[$crate::store::sql::Value]
    };
}
pub(crate) use args;

/// One row of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn value(&self, index: usize) -> Result<&Value> {
        self.0.get(index).ok_or(StoreError::Column {
            index,
            wanted: "a column",
        })
    }

    pub fn opt_int(&self, index: usize) -> Result<Option<i64>> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            Value::Text(_) => Err(StoreError::Column {
                index,
                wanted: "an integer",
            }),
        }
    }

    pub fn int(&self, index: usize) -> Result<i64> {
        self.opt_int(index)?.ok_or(StoreError::Column {
            index,
            wanted: "an integer, not NULL",
        })
    }

    /// A message or thread id: Telegram's are 32-bit.
    pub fn id32(&self, index: usize) -> Result<i32> {
        i32::try_from(self.int(index)?).map_err(|_| StoreError::Column {
            index,
            wanted: "a 32-bit id",
        })
    }

    pub fn opt_id32(&self, index: usize) -> Result<Option<i32>> {
        match self.opt_int(index)? {
            None => Ok(None),
            Some(_) => self.id32(index).map(Some),
        }
    }

    pub fn flag(&self, index: usize) -> Result<bool> {
        Ok(self.int(index)? != 0)
    }

    pub fn opt_text(&self, index: usize) -> Result<Option<String>> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            Value::Int(_) => Err(StoreError::Column {
                index,
                wanted: "text",
            }),
        }
    }

    pub fn text(&self, index: usize) -> Result<String> {
        self.opt_text(index)?.ok_or(StoreError::Column {
            index,
            wanted: "text, not NULL",
        })
    }
}

/// A connection (or a transaction on one) to either database.
pub trait Conn {
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs a query (or a statement with `RETURNING`); all its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
}

impl dyn Conn + '_ {
    /// The first row of a query, if any.
    pub fn first(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first column of the first row, which must be an integer (a count, a new id).
    pub fn number(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        match self.first(sql, params)? {
            Some(row) => row.int(0),
            None => Err(StoreError::Column {
                index: 0,
                wanted: "a row",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_typed_values_and_say_which_column_is_wrong() {
        let row = Row(vec![Value::Int(5), Value::Null, Value::Text("a".into())]);
        assert_eq!(row.int(0).unwrap(), 5);
        assert!(row.flag(0).unwrap());
        assert_eq!(row.opt_int(1).unwrap(), None);
        assert_eq!(row.opt_text(1).unwrap(), None);
        assert_eq!(row.text(2).unwrap(), "a");
        let error = row.int(2).unwrap_err().to_string();
        assert!(error.contains("column 2"), "{error}");
        assert!(row.int(1).is_err(), "NULL is not an integer");
        assert!(row.int(7).is_err(), "no such column");
        let big = Row(vec![Value::Int(i64::from(i32::MAX) + 1)]);
        assert!(big.id32(0).is_err());
        assert_eq!(Value::from(None::<&str>), Value::Null);
        assert_eq!(Value::from(true), Value::Int(1));
    }
}
