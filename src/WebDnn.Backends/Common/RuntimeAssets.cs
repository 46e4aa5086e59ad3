namespace WebDnn.Backends.Common;

/// <summary>The bundled browser runtime (runtime/dist/webdnn.mjs, embedded at build time).</summary>
public static class RuntimeAssets
{
    public const string RuntimeFile = "webdnn.mjs";

    /// <summary>The source text of webdnn.mjs.</summary>
    public static string RuntimeText()
    {
        using var s = typeof(RuntimeAssets).Assembly.GetManifestResourceStream(RuntimeFile)
            ?? throw new InvalidOperationException("webdnn.mjs is not embedded in WebDnn.Backends; build runtime/ (npm run build)");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>Writes webdnn.mjs into <paramref name="dir"/> (created if needed); returns its path.</summary>
    public static string CopyRuntimeTo(string dir)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, RuntimeFile);
        File.WriteAllText(path, RuntimeText());
        return path;
    }
}
