# Course configuration, read by nbgrader and by `python -m autograder`.
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "module2-linear-regression"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"

# A student's notebook gets this long per cell when nbgrader executes it.
c.ExecutePreprocessor.timeout = 60
# Stop each notebook's kernel at once when it is done instead of asking it to
# shut down (about half a second per student under `nbgrader autograde`).
c.ExecutePreprocessor.shutdown_kernel = "immediate"

# Limits for student code under `python -m autograder grade`.
c.Autograder.timeout = 30          # seconds per cell and per hidden check (--timeout overrides)
c.Autograder.memory_mb = 2048      # memory a student's process may use on top of torch's own
c.Autograder.cpu_seconds = 600     # CPU seconds per student process
c.Autograder.file_size_mb = 64     # largest file student code may write
c.Autograder.processes = 256       # most processes of one submission (per-worker uid when root)
c.Autograder.tmp_mb = 256          # size of the private /tmp a submission gets (when root)
