using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebDnn.Backends.Common;

/// <summary>
/// Generates runtime/src/manifest.generated.ts from the <see cref="ModelManifest"/> records by reflection, so the
/// C# and TypeScript sides of the package contract cannot drift (a test compares the checked-in file).
/// </summary>
public static class ManifestTypeScript
{
    public static string Generate()
    {
        var sb = new StringBuilder();
        sb.Append("// Generated from src/WebDnn.Backends/Common/ModelManifest.cs by ManifestTypeScript. Do not edit.\n");
        sb.Append("// Regenerate: WEBDNN_UPDATE_GENERATED=1 dotnet test --filter ManifestTypeScriptTests\n\n");
        sb.Append($"export const FORMAT_VERSION = {ModelManifest.CurrentFormatVersion};\n");
        var queue = new Queue<Type>([typeof(ModelManifest)]);
        var seen = new HashSet<Type> { typeof(ModelManifest) };
        var nullability = new NullabilityInfoContext();
        while (queue.Count > 0)
        {
            var type = queue.Dequeue();
            sb.Append('\n');
            if (type.IsEnum)
            {
                var names = type.GetFields(BindingFlags.Public | BindingFlags.Static)
                    .Select(f => $"'{f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(f.Name)}'");
                sb.Append($"export type {type.Name} = {string.Join(" | ", names)};\n");
                continue;
            }
            sb.Append($"export interface {type.Name} {{\n");
            var ctor = type.GetConstructors().Single();
            foreach (var p in ctor.GetParameters())
            {
                var ts = TsType(p.ParameterType, nullability.Create(p).ReadState == NullabilityState.Nullable, t =>
                {
                    if (seen.Add(t))
                    {
                        queue.Enqueue(t);
                    }
                });
                sb.Append($"  {JsonNamingPolicy.CamelCase.ConvertName(p.Name!)}: {ts};\n");
            }
            sb.Append("}\n");
        }
        return sb.ToString();
    }

    private static string TsType(Type t, bool nullable, Action<Type> reference)
    {
        if (Nullable.GetUnderlyingType(t) is { } inner)
        {
            return TsType(inner, true, reference);
        }
        string s;
        if (t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float))
        {
            s = "number";
        }
        else if (t == typeof(string))
        {
            s = "string";
        }
        else if (t == typeof(bool))
        {
            s = "boolean";
        }
        else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            s = TsType(t.GetGenericArguments()[0], false, reference) + "[]";
        }
        else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) && t.GetGenericArguments()[0] == typeof(string))
        {
            s = $"Record<string, {TsType(t.GetGenericArguments()[1], false, reference)}>";
        }
        else if (t.IsEnum || (t.IsClass && t.Namespace == typeof(ModelManifest).Namespace))
        {
            reference(t);
            s = t.Name;
        }
        else
        {
            throw new NotSupportedException($"manifest field type {t} has no TypeScript mapping");
        }
        return nullable ? s + " | null" : s;
    }
}
