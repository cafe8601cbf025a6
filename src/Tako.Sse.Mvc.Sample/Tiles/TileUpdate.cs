namespace Tako.Sse.Mvc.Sample.Tiles;

/// <summary>The JSON data of a <c>tile</c> event: one dashboard tile's new value.</summary>
/// <param name="Tile">Which tile: <c>visitors</c>, <c>orders</c> or <c>latency</c>.</param>
/// <param name="Value">Its value: visitors online, orders so far, or a latency in milliseconds.</param>
/// <param name="Seq">The round of the simulation, the same for the three tiles of a round, so a page can count gaps and duplicates.</param>
/// <param name="At">When the server published it, in Unix milliseconds.</param>
public sealed record TileUpdate(string Tile, int Value, long Seq, long At);
