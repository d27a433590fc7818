namespace Deploy.Tests.Support;

/// <summary>The checkout the tests run from: the first directory above the test binaries that holds Scaler.sln.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>A repository-relative path written with '/'.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scaler.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Scaler.sln in {AppContext.BaseDirectory} or any directory above it.");
    }
}
