"""HTTP simulators of the organisations' source systems, for demos and tests without any real tenant."""
