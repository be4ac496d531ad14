package io.inferfn.cli;

import java.nio.file.Path;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./inferfn}: the local stack and the demo. The launcher script passes {@code --home}. */
@Command(
        name = "inferfn",
        mixinStandardHelpOptions = true,
        version = "inferfn 0.1.0",
        description = "Serverless ML inference functions: local stack, demo, model tools.",
        subcommands = {DemoCommand.class, ModelCommand.class, BenchCommand.class})
public final class Inferfn implements Runnable {

    @Option(
            names = "--home",
            description = "The inferfn checkout (default: the current directory).",
            defaultValue = ".")
    Path home;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Inferfn()).execute(args));
    }
}
