namespace Tako.Sse.Mvc;

/// <summary>
/// Publishes events to named channels. Every request subscribed to a channel with
/// <see cref="SseActionResult.Subscribe(string, string?)"/> receives them, and a browser that reconnects with
/// <c>Last-Event-ID</c> resumes from the channel's history. Registered by <c>AddTakoSse</c> as a singleton
/// (in-memory, per process); an implementation you register yourself wins, and a backplane replaces it.
/// </summary>
/// <remarks>
/// Publishing is safe from many threads at once. Every subscriber sees one channel's events in the one order in
/// which the channel's history holds them. A channel name is 1 to 256 characters without control characters.
/// </remarks>
public interface ISseHub
{
    /// <summary>
    /// Appends an event to the channel's history and hands it to every current subscriber of the channel. It
    /// never waits for a subscriber's network: a subscriber that cannot keep up is handled by
    /// <see cref="SseChannelOptions.SlowSubscriberPolicy"/>.
    /// </summary>
    /// <param name="channel">The channel's name: 1 to 256 characters, no control characters.</param>
    /// <param name="sseEvent">The event. It must not carry an id: the hub gives it one.</param>
    /// <param name="cancellationToken">Cancels the publication before it has happened.</param>
    /// <returns>The id the hub gave the event (what a browser sends back as <c>Last-Event-ID</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="channel"/> is empty, longer than 256 characters or contains a control character, or
    /// <paramref name="sseEvent"/> carries an id.
    /// </exception>
    ValueTask<string> PublishAsync(string channel, SseEvent sseEvent, CancellationToken cancellationToken = default);

    /// <summary>Gets the number of requests subscribed to the channel on this instance (this process).</summary>
    /// <param name="channel">The channel's name.</param>
    /// <returns>The number of subscribers here; 0 for a channel nobody has subscribed to.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a valid channel name.</exception>
    int GetSubscriberCount(string channel);
}
