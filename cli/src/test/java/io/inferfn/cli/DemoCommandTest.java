package io.inferfn.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import io.inferfn.localstack.FunctionProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./inferfn demo}'s listen address. That a function started with it is reachable on
 * loopback only, and everywhere with {@code 0.0.0.0}, is checked against a real event-score
 * process in event-score's {@code EventScoreKillIT}.
 */
class DemoCommandTest {

    @Test
    void theDemoListensOnLoopbackUnlessAHostIsGiven() {
        Inferfn cli = new Inferfn();
        CommandLine.ParseResult loopback = new CommandLine(cli).parseArgs("demo");
        assertThat(((DemoCommand) loopback.subcommand().commandSpec().userObject()).host)
                .isEqualTo("127.0.0.1")
                .isEqualTo(FunctionProcess.DEFAULT_HOST);

        CommandLine.ParseResult everywhere = new CommandLine(new Inferfn()).parseArgs("demo", "--host", "0.0.0.0");
        assertThat(((DemoCommand) everywhere.subcommand().commandSpec().userObject()).host)
                .isEqualTo("0.0.0.0");
    }

    @Test
    void theDemoPointsAtEachFunctionsMetrics() {
        assertThat(DemoCommand.metrics("127.0.0.1", 8080, 8082, 8081))
                .contains("http-predict  http://127.0.0.1:8080/q/metrics")
                .contains("batch-score   http://127.0.0.1:8082/q/metrics")
                .contains("event-score   http://127.0.0.1:8081/q/metrics")
                .contains("infra/grafana/inferfn.json");
    }
}
