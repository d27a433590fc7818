using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Page;

internal static class PageServiceCollectionExtensions
{
    /// <summary>The history the page shows (<see cref="DecisionHistory"/>), recording the KEDA door's decisions.</summary>
    public static IServiceCollection AddDecisionPage(this IServiceCollection services)
    {
        services.TryAddSingleton<DecisionHistory>();
        return services;
    }

    /// <summary>
    /// On the HTTP port: the list at <c>/</c>, a ScaledObject's page at <c>/workload</c>, and the page's own
    /// stylesheet and script; every answer with a Content-Security-Policy that lets nothing else run.
    /// </summary>
    public static WebApplication MapDecisionPage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Recording starts with the host, not with the first page view.
        _ = app.Services.GetRequiredService<DecisionHistory>();
        app.MapGet("/", (HttpContext context, [FromQuery] string? q, [FromQuery] string? sort, [FromQuery] string? page, [FromServices] DecisionHistory history, [FromServices] TimeProvider time) =>
            Html(context, TriggerListPage.Render(history.Triggers, TriggerListQuery.From(q, sort, page), time.GetUtcNow())));
        app.MapGet("/workload", (HttpContext context, [FromQuery(Name = "namespace")] string? @namespace, [FromQuery] string? name, [FromServices] DecisionHistory history, [FromServices] TimeProvider time) =>
        {
            if (string.IsNullOrEmpty(@namespace) || string.IsNullOrEmpty(name))
            {
                return Results.BadRequest("namespace and name: required, as in /workload?namespace=llm&name=llama");
            }

            var key = new ScaledObjectKey(@namespace, name);
            var triggers = history.Of(key).Select(t => t.Snapshot()).OfType<TriggerSnapshot>().ToList();
            return Html(context, WorkloadPage.Render(key, triggers, time.GetUtcNow(), history.ForgetAfter), triggers.Count == 0 ? StatusCodes.Status404NotFound : StatusCodes.Status200OK);
        });
        app.MapGet(PageAssets.StylesheetPath, (HttpContext context) => Asset(context, PageAssets.Stylesheet, "text/css; charset=utf-8"));
        app.MapGet(PageAssets.ScriptPath, (HttpContext context) => Asset(context, PageAssets.Script, "text/javascript; charset=utf-8"));

        // Browsers ask for it; there is none, and a 404 would be an error in every console.
        app.MapGet("/favicon.ico", () => Results.NoContent());
        return app;
    }

    private static IResult Html(HttpContext context, string html, int status = StatusCodes.Status200OK)
    {
        Secure(context);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    private static IResult Asset(HttpContext context, string text, string type)
    {
        Secure(context);
        context.Response.Headers.CacheControl = "max-age=300";
        return Results.Content(text, type);
    }

    private static void Secure(HttpContext context)
    {
        context.Response.Headers.ContentSecurityPolicy = PageAssets.ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
