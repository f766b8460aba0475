package metricstore

// SymbolGeneration counts the compactions of the head since the store
// opened, after each of which the head has rebuilt its symbol table
// (tsdb.DB.compactHead calls Head.RebuildSymbolTable; builds with
// -tags dedupelabels). A holder of label sets built before a rebuild (the
// remote-write series cache) drops them when it changes: they keep the old
// table, with every name and value of series since gone, alive. It stays 0
// in a build without the tag, where label sets have no table.
func (s *Store) SymbolGeneration() uint64 { return s.rebuilds.Load() }
