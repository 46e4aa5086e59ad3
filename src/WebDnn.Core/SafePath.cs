namespace WebDnn.Core;

/// <summary>
/// Containment checks for paths that come from untrusted input (external-data locations in a model, URL paths in
/// <c>webdnn serve</c>). <see cref="Path.GetFullPath(string)"/> only removes ".." lexically; a symbolic link inside the
/// folder can still point anywhere, so every component is resolved (<see cref="RealPath"/>) before the check.
/// </summary>
public static class SafePath
{
    /// <summary>Most links followed while resolving one path (Linux's own limit is 40).</summary>
    public const int MaxLinkHops = 40;

    /// <summary>
    /// The absolute path with every symbolic link in it resolved (like POSIX realpath; components that do not exist are
    /// kept as they are). Null when resolution takes more than <see cref="MaxLinkHops"/> links (a cycle).
    /// </summary>
    public static string? RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? "/";
        // Remaining components, next one on top; a link's target components are pushed in front of the rest.
        var pending = new Stack<string>();
        PushComponents(pending, full[root.Length..]);
        string current = root;
        int hops = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }
            string next = Path.Combine(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }
            catch (UnauthorizedAccessException)
            {
                target = null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops)
            {
                return null;
            }
            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? root;
                target = target[current.Length..];
            }
            PushComponents(pending, target);
        }
        return current;
    }

    /// <summary>True when <paramref name="path"/> (already resolved) is <paramref name="folder"/> or lies below it.</summary>
    public static bool IsInside(string path, string folder)
    {
        string f = folder.TrimEnd(Path.DirectorySeparatorChar);
        return path == f || path.StartsWith(f + Path.DirectorySeparatorChar, StringComparison.Ordinal) || (f.Length == 0 && path.StartsWith(Path.DirectorySeparatorChar));
    }

    /// <summary>
    /// Resolves <paramref name="relative"/> against <paramref name="folder"/>, links included; null when the result
    /// leaves the folder (by "..", an absolute path, or a link pointing out of it) or cannot be resolved.
    /// </summary>
    public static string? ResolveInside(string folder, string relative)
    {
        if (relative.Contains('\0') || Path.IsPathRooted(relative) || RealPath(folder) is not { } root
            || RealPath(Path.Combine(root, relative)) is not { } real)
        {
            return null;
        }
        return IsInside(real, root) ? real : null;
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
