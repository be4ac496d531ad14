package io.inferfn.http;

import io.inferfn.auth.AuthConfig;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.quarkus.amazon.lambda.http.LambdaIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

/**
 * On Lambda behind an API Gateway JWT authorizer: the authorizer has already verified the token,
 * so its claims ({@code requestContext.authorizer.jwt.claims}) become the caller's identity: {@code
 * sub} the principal, the roles claim ({@code inferfn.auth.jwt.roles-claim}, {@code groups} by
 * default; API Gateway passes arrays as {@code "[a b]"}) the roles. Per-model access then applies
 * as for a bearer token. Compiled only into the Lambda build (and the tests), where the Lambda HTTP
 * extension is present.
 */
@ApplicationScoped
public class AuthorizerIdentityProvider implements LambdaIdentityProvider {

    private static final Pattern ROLE = Pattern.compile("[^\\[\\]\\s,\"]+");

    @Inject
    AuthConfig config;

    @Override
    public SecurityIdentity authenticate(APIGatewayV2HTTPEvent event) {
        var context = event.getRequestContext();
        if (context == null || context.getAuthorizer() == null || context.getAuthorizer().getJwt() == null) {
            return null; // no authorizer: anonymous, refused by the permission on model endpoints
        }
        Map<String, String> claims = context.getAuthorizer().getJwt().getClaims();
        if (claims == null || claims.get("sub") == null) {
            return null;
        }
        QuarkusSecurityIdentity.Builder identity =
                QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(claims.get("sub")));
        String roles = claims.get(config.jwt().rolesClaim());
        if (roles != null) {
            Matcher m = ROLE.matcher(roles);
            while (m.find()) {
                identity.addRole(m.group());
            }
        }
        return identity.build();
    }
}
