"""Laydown's date and number formats per language (settings.FORMAT_MODULE_PATH).

One date format per language, used on every page and paper: the long and short formats are the
same, and a date-time is the date and the 24-hour time. Numbers use the language's separators
(Django's own, kept). Dates are entered through the browser's date picker (ISO 8601 on the
wire, laydown.core.forms.DatePicker); typed dates are accepted in the language's order and ISO.
"""
