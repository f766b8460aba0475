package database

// Histories exposes both migration histories to the external tests.
var Histories = map[Dialect][]string{SQLite: migrations, Postgres: postgresMigrations}
