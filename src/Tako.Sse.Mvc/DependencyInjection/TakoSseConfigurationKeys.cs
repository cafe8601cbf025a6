using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Tako.Sse.Mvc;

/// <summary>
/// The configuration keys that bind to <see cref="TakoSseOptions"/>, found by reflecting over the options types,
/// so that an option added later (a new property, a new sub-object) is known without a list to keep in step.
/// </summary>
internal static class TakoSseConfigurationKeys
{
    /// <summary>The words that turn a duration option off in configuration, besides an empty value.</summary>
    internal const string Off = "off";

    private static readonly Lazy<Node> s_root = new(() => Node.For(typeof(TakoSseOptions), depth: 0));

    /// <summary>Every known key below <c>Tako:Sse</c>, relative to it, for messages (<c>KeepAlive</c>, <c>Channels:HistorySize</c>).</summary>
    public static IEnumerable<string> Known => s_root.Value.Keys(prefix: "");

    /// <summary>The keys of <paramref name="section"/> that bind to nothing, as full paths.</summary>
    public static List<string> FindUnknown(IConfigurationSection section)
    {
        var unknown = new List<string>();
        s_root.Value.CollectUnknown(section, unknown);
        return unknown;
    }

    /// <summary>Whether the value at <paramref name="relativePath"/> (relative to <c>Tako:Sse</c>) binds to a duration.</summary>
    public static bool IsDuration(string relativePath)
    {
        var node = s_root.Value;
        foreach (var segment in relativePath.Split(ConfigurationPath.KeyDelimiter))
        {
            if (node.Children is null || !node.Children.TryGetValue(segment, out node!))
            {
                return false;
            }
        }

        return node.IsDuration;
    }

    /// <summary>One property of an options type: a value, an open collection, or an object with properties of its own.</summary>
    private sealed class Node
    {
        // Options objects are shallow; the limit only guards against a type that contains itself.
        private const int MaxDepth = 8;

        private Node(Dictionary<string, Node>? children, bool isOpen, bool isDuration)
        {
            Children = children;
            IsOpen = isOpen;
            IsDuration = isDuration;
        }

        public Dictionary<string, Node>? Children { get; }

        /// <summary>A dictionary or list: any child key binds.</summary>
        public bool IsOpen { get; }

        public bool IsDuration { get; }

        // The options types are ours and few; their public properties are kept for this walk (and are what the
        // generated configuration binder reads and writes).
        [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(TakoSseOptions))]
        [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(SseChannelOptions))]
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The options types' public properties are kept by DynamicDependency.")]
        public static Node For(Type type, int depth)
        {
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            if (underlying == typeof(TimeSpan))
            {
                return new Node(null, isOpen: false, isDuration: true);
            }

            if (IsValue(underlying))
            {
                return new Node(null, isOpen: false, isDuration: false);
            }

            if (typeof(IEnumerable).IsAssignableFrom(underlying) || depth >= MaxDepth)
            {
                return new Node(null, isOpen: true, isDuration: false);
            }

            var children = new Dictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in underlying.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetMethod is null || property.GetIndexParameters().Length > 0)
                {
                    continue;
                }

                var key = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
                children[key] = For(property.PropertyType, depth + 1);
            }

            return new Node(children, isOpen: false, isDuration: false);
        }

        public IEnumerable<string> Keys(string prefix)
        {
            if (Children is null)
            {
                yield return prefix;
                yield break;
            }

            foreach (var (key, child) in Children)
            {
                foreach (var path in child.Keys(prefix.Length == 0 ? key : ConfigurationPath.Combine(prefix, key)))
                {
                    yield return path;
                }
            }
        }

        public void CollectUnknown(IConfigurationSection section, List<string> unknown)
        {
            if (IsOpen || Children is null)
            {
                return;
            }

            foreach (var child in section.GetChildren())
            {
                if (Children.TryGetValue(child.Key, out var node))
                {
                    node.CollectUnknown(child, unknown);
                }
                else
                {
                    unknown.Add(child.Path);
                }
            }
        }

        // What the configuration binder converts from one string rather than binding property by property: every
        // struct an option can be (numbers, enums, TimeSpan, Guid, DateTime…), strings and URIs.
        private static bool IsValue(Type type) =>
            type.IsValueType || type == typeof(string) || type == typeof(object) || type == typeof(Uri);
    }
}
