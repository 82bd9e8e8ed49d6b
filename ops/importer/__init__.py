"""Spreadsheet imports: the records provinces keep in Excel, through the services' own rules."""
