"""Workbooks from the field (CSV, XLSX) read as rows of text cells, and the columns each importer knows: shared
by the operator's importers (`neuguong import`) and the console's upload page, which both check every row
before anything is filed."""
