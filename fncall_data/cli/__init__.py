"""The ``fncall`` command line: thin commands over the library (see :mod:`fncall_data.cli.main`)."""
