package io.inferfn.http;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.quarkus.amazon.lambda.http.LambdaIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

import io.inferfn.auth.AuthConfig;
import io.inferfn.auth.ModelAccess;

/**
 * On Lambda, the caller API Gateway (or a function URL) has already authenticated becomes the identity.
 * Behind a JWT authorizer: its claims ({@code requestContext.authorizer.jwt.claims}), {@code sub} the
 * principal and the roles claim ({@code inferfn.auth.jwt.roles-claim}) the roles. Behind {@code AWS_IAM}
 * (SigV4, {@code requestContext.authorizer.iam}): the caller's ARN the principal, and the roles configured
 * for every IAM caller ({@code inferfn.auth.iam.roles}), since IAM authorised the call as a whole.
 * Per-model access then applies as for a bearer token. Compiled only into the Lambda build (and the
 * tests), where the Lambda HTTP extension is present.
 */
@ApplicationScoped
public class AuthorizerIdentityProvider implements LambdaIdentityProvider {

    @Inject
    AuthConfig config;

    @Override
    public SecurityIdentity authenticate(APIGatewayV2HTTPEvent event) {
        var context = event.getRequestContext();
        var authorizer = context == null ? null : context.getAuthorizer();
        if (authorizer == null) {
            return null; // no authorizer: anonymous, refused by the permission on model endpoints
        }
        if (authorizer.getJwt() != null) {
            return fromClaims(authorizer.getJwt().getClaims());
        }
        if (authorizer.getIam() != null) {
            return fromIam(authorizer.getIam());
        }
        return null; // a Lambda (custom) authorizer: not supported, a 401 on model endpoints
    }

    private SecurityIdentity fromClaims(Map<String, String> claims) {
        if (claims == null || claims.get("sub") == null) {
            return null;
        }
        QuarkusSecurityIdentity.Builder identity =
                QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(claims.get("sub")));
        String roles = claims.get(config.jwt().rolesClaim());
        if (roles != null) {
            identity.addRoles(roles(roles));
        }
        return identity.build();
    }

    private SecurityIdentity fromIam(APIGatewayV2HTTPEvent.RequestContext.IAM iam) {
        String caller = iam.getUserArn() != null ? iam.getUserArn() : iam.getCallerId();
        if (caller == null) {
            return null;
        }
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("iam:" + caller))
                .addRoles(config.iam().roles().orElse(Set.of()))
                .addAttribute(ModelAccess.ROLES_FROM, "inferfn.auth.iam.roles (INFERFN_AUTH_IAM_ROLES)")
                .build();
    }

    /**
     * The roles in a claim as API Gateway passes it: an array as {@code "[a b]"}, a string as is; either
     * way separated by spaces only. A comma is part of a role's name: a group {@code "x,model:fraud"} is
     * one role, not {@code model:fraud}.
     */
    static Set<String> roles(String claim) {
        String roles = claim.strip();
        if (roles.length() >= 2 && roles.charAt(0) == '[' && roles.charAt(roles.length() - 1) == ']') {
            roles = roles.substring(1, roles.length() - 1).strip();
        }
        return roles.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(roles.split("\\s+")));
    }
}
