package carto.api;

import carto.api.cli.BenchCommand;
import carto.api.cli.CompleteCommand;
import carto.api.cli.EvalCommand;
import carto.api.cli.ResolveCommand;
import carto.api.cli.SummarizeCommand;
import carto.api.cli.TranslateCommand;
import carto.api.cli.GenerateCommand;
import carto.api.cli.IngestCommand;
import carto.api.cli.ModelCommand;
import carto.api.cli.QueryCommand;
import carto.api.cli.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;

/** The {@code carto} command line. */
@Command(name = "carto", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "carto 0.1.0",
        description = "Code intelligence on the JVM: knowledge graphs of repositories, local LLM inference, agents.",
        subcommands = {ServeCommand.class, IngestCommand.class, QueryCommand.class, GenerateCommand.class, CompleteCommand.class, ResolveCommand.class, SummarizeCommand.class, TranslateCommand.class, EvalCommand.class, ModelCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    @Option(names = {"-v", "--verbose"}, description = "Log what every component does (to stderr).", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        boolean verbose = Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
        Logging.configure(verbose);
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("carto: " + describe(e));
            if (verbose) e.printStackTrace(cmd.getErr());
            else cmd.getErr().println("(run with --verbose for details)");
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl.execute(args);
    }

    /** The message of the most specific cause that has one. */
    static String describe(Throwable e) {
        String msg = e.getMessage();
        Throwable c = e;
        while ((msg == null || msg.isBlank()) && c.getCause() != null) {
            c = c.getCause();
            msg = c.getMessage();
        }
        return msg == null ? e.getClass().getSimpleName() : msg;
    }
}
