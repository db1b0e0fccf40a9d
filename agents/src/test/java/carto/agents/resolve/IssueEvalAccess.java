package carto.agents.resolve;

import carto.agents.eval.IssueEval;
import carto.agents.eval.IssueTasks;
import carto.agents.sandbox.CommandRunner;

/** Lets tests judge a resolution the way the evaluation does. */
final class IssueEvalAccess {
    private IssueEvalAccess() {}

    static IssueEval.Verdict judge(IssueTasks.Task task, Resolution r, CommandRunner runner) {
        return IssueEval.judge(task, r, runner, carto.agents.sandbox.Limits.DEFAULT.withTimeout(java.time.Duration.ofSeconds(120)));
    }
}
