"""File formats (adapter): the CSV and XLSX sheets bureaus upload, read and checked row by row, and the
XLSX workbooks the server writes. No database, no Flask: services pass bytes in and take values out."""
