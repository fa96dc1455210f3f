"""The demo clinic for `make demo`: staff, patients at every stage of care, `load_demo`."""
