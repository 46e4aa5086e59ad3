using System.Text.Json.Nodes;
using WebDnn.Core;

namespace WebDnn.Cli;

/// <summary>Escapes model-controlled text before it is printed as plain text (names, producer strings reach the terminal).</summary>
internal static class TerminalText
{
    /// <summary>A copy of <paramref name="node"/> whose every string value and object key went through <see cref="Display.Escape"/>.</summary>
    public static JsonNode? EscapeStrings(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(Display.Escape(kv.Key), EscapeStrings(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(EscapeStrings).ToArray()),
        JsonValue v when v.TryGetValue(out string? s) => JsonValue.Create(Display.Escape(s)),
        null => null,
        _ => node.DeepClone(),
    };
}
