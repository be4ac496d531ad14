package io.inferfn.scoring;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import io.inferfn.model.IntegrityException;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorsTest {

    @Test
    void eachExceptionCarriesTheStatusACallerGets() {
        assertThat(Errors.status(new InvalidRequestException("x"))).isEqualTo(400);
        assertThat(Errors.status(new AuthenticationRequiredException("x"))).isEqualTo(401);
        assertThat(Errors.status(new AccessDeniedException("x"))).isEqualTo(403);
        assertThat(Errors.status(new ModelNotFoundException("x"))).isEqualTo(404);
        assertThat(Errors.status(new PayloadTooLargeException("x"))).isEqualTo(413);
        assertThat(Errors.status(new ModelUnavailableException("x"))).isEqualTo(503);
        // a model that failed to load is one of ours too: 503 with the loader's message
        assertThat(Errors.status(new IntegrityException("sha256 mismatch"))).isEqualTo(503);
        assertThat(Errors.clientMessage(new IntegrityException("sha256 mismatch"), "id"))
                .isEqualTo("sha256 mismatch");
        assertThat(Errors.status(new IllegalStateException("bug"))).isEqualTo(500);
    }

    @Test
    void clientErrorsReadAsWrittenForTheCaller() {
        assertThat(Errors.clientMessage(new InvalidRequestException("feature 'amount' must be a number"), null))
                .isEqualTo("feature 'amount' must be a number");
    }

    @Test
    void serverFaultsNeverCarryInternalTextOnlyAnIdForTheLog() {
        String id = Errors.newErrorId();
        ScoringException ort = new ScoringException(
                "ONNX Runtime failed to score 3 row(s): [ErrorCode:RUNTIME_EXCEPTION] Non-zero status code", null);
        assertThat(Errors.clientMessage(ort, id))
                .isEqualTo("internal error (error id " + id + "); the server log has the details")
                .doesNotContain("ONNX", "ErrorCode");
        RuntimeException sql = new RuntimeException(new SQLException("relation \"secret_table\" does not exist"));
        assertThat(Errors.clientMessage(sql, id)).doesNotContain("secret_table").contains(id);
        assertThat(Errors.newErrorId()).isNotEqualTo(id).matches("[0-9a-f]{1,12}");
    }
}
