"""The RQ worker class of ``flask --app survey_app report-worker`` (:mod:`survey_app.report_worker`): RQ's worker,
forking a process per job, with the job's process paced for the survey pages (:mod:`survey_app.report_pacing`).
Imported only where a worker runs: RQ is no import of the app's other processes."""

from __future__ import annotations

from rq import Worker

from survey_app.report_pacing import OpenWrites, Pacer


class ReportWorker(Worker):
    """RQ's worker, pausing each job's process while other work waits for a processor (``REPORT_YIELD_PRESSURE``
    percent of the time or more; 0: never), never inside one of the job's writing transactions (``writes``)."""

    def __init__(self, *args, writes: OpenWrites, yield_pressure: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.writes = writes
        self.yield_pressure = yield_pressure
        self.pacer: Pacer | None = None

    def fork_work_horse(self, job, queue) -> None:
        self.writes.reset()  # a count a killed job left behind
        super().fork_work_horse(job, queue)

    def monitor_work_horse(self, job, queue) -> None:
        self.pacer = Pacer(self.horse_pid, self.writes, self.yield_pressure / 100) if self.yield_pressure else None
        if self.pacer is not None:
            self.pacer.start()
        try:
            super().monitor_work_horse(job, queue)
        finally:
            if self.pacer is not None:
                self.pacer.stop()
                self.log.info("job %s paused %.1f s in %d pauses for other work (%d samples found the machine "
                              "quiet)", job.id, self.pacer.paused_s, self.pacer.pauses, self.pacer.samples)
