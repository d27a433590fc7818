using System.Globalization;

namespace Scaler.FrontDoors.Page;

/// <summary>What the list shows: a search over namespace, name and metric name, an order, and a page of <see cref="PageSize"/>.</summary>
/// <param name="Search">Case-insensitive text each shown trigger contains; empty for all.</param>
/// <param name="Sort">The order: <c>name</c>, <c>desired</c>, <c>current</c>, <c>state</c> or <c>updated</c>.</param>
/// <param name="Page">1-based.</param>
internal sealed record TriggerListQuery(string Search, string Sort, int Page)
{
    public const int PageSize = 100;

    public static readonly string[] Sorts = ["name", "state", "desired", "current", "updated"];

    /// <summary>From the query string; anything unknown falls back to the default rather than failing the page.</summary>
    public static TriggerListQuery From(string? search, string? sort, string? page) => new(
        (search ?? "").Trim() is var s && s.Length > 200 ? s[..200] : (search ?? "").Trim(),
        Sorts.Contains(sort, StringComparer.Ordinal) ? sort! : "name",
        int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 ? p : 1);

    /// <summary>The list's URL with this search and <paramref name="sort"/> and <paramref name="page"/>.</summary>
    public string Link(string? sort = null, int? page = null)
    {
        var parts = new List<string>();
        if (Search.Length > 0)
        {
            parts.Add("q=" + Uri.EscapeDataString(Search));
        }

        var order = sort ?? Sort;
        if (order != "name")
        {
            parts.Add("sort=" + order);
        }

        var number = page ?? 1;
        if (number > 1)
        {
            parts.Add("page=" + number.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "/" : "/?" + string.Join('&', parts);
    }
}
