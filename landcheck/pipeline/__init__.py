"""The run wiring: each check from files to files (a job), and a whole run from a configuration.

Modules: options (JobOptions), engines (the local engine and the choice of engine behind the
`landcheck.engine.Engine` protocol this package owns), outputs (what every check writes, in one
place), farmland, transfer, survey (the three jobs), main_job (`landcheck run`). Only the CLI imports
this package; nothing here prints. It re-exports nothing: callers import from the module that holds
a name, so that one job (`landcheck farmland` → pipeline.farmland) does not import the others.
"""
