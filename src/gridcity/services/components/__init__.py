"""The component registry (部件普查库): `records` (census imports as versioned changes, the nearest
component, map windows, one component with its history and cases) and `census_columns` (a CSV
census read in columns with pyarrow, judged by the same row rules)."""
