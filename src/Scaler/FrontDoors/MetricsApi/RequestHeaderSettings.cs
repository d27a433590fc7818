using System.Security.Cryptography.X509Certificates;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// How the aggregator (kube-apiserver's front proxy) is recognised and what it says about the user, as the
/// <c>extension-apiserver-authentication</c> ConfigMap in <c>kube-system</c> publishes it (or files, out of a cluster).
/// </summary>
/// <param name="ClientCas">The CAs that sign the front proxy's client certificate (<c>requestheader-client-ca-file</c>); none: no request-header authentication.</param>
/// <param name="AllowedNames">Common names the proxy's certificate may have (<c>requestheader-allowed-names</c>); empty: any signed by those CAs.</param>
/// <param name="UsernameHeaders">Headers carrying the user name, first present wins (<c>X-Remote-User</c>).</param>
/// <param name="GroupHeaders">Headers carrying groups, every value counts (<c>X-Remote-Group</c>).</param>
/// <param name="ExtraHeaderPrefixes">Prefixes of headers carrying extra attributes (<c>X-Remote-Extra-</c>).</param>
/// <param name="UserClientCas">The CAs of user client certificates (<c>client-ca-file</c>): a certificate they sign is user CN in groups O.</param>
/// <param name="Source">Where this came from, for logs and errors.</param>
internal sealed record RequestHeaderSettings(
    X509Certificate2Collection ClientCas,
    IReadOnlyList<string> AllowedNames,
    IReadOnlyList<string> UsernameHeaders,
    IReadOnlyList<string> GroupHeaders,
    IReadOnlyList<string> ExtraHeaderPrefixes,
    X509Certificate2Collection UserClientCas,
    string Source)
{
    /// <summary>Nothing configured: no certificate is trusted, only bearer tokens authenticate.</summary>
    public static RequestHeaderSettings None(string why) => new([], [], ["X-Remote-User"], ["X-Remote-Group"], ["X-Remote-Extra-"], [], why);
}
