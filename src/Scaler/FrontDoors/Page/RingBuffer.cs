namespace Scaler.FrontDoors.Page;

/// <summary>The last <see cref="Capacity"/> items, oldest first; adding past it drops the oldest. Not thread-safe.</summary>
internal sealed class RingBuffer<T>(int capacity)
{
    private readonly T[] _items = new T[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
    private int _start;

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    /// <summary>The newest item; default when empty.</summary>
    public T? Last => Count == 0 ? default : _items[(_start + Count - 1) % _items.Length];

    public void Add(T item)
    {
        if (Count < _items.Length)
        {
            _items[(_start + Count) % _items.Length] = item;
            Count++;
            return;
        }

        _items[_start] = item;
        _start = (_start + 1) % _items.Length;
    }

    /// <summary>Replaces the newest item (adds when empty).</summary>
    public void ReplaceLast(T item)
    {
        if (Count == 0)
        {
            Add(item);
            return;
        }

        _items[(_start + Count - 1) % _items.Length] = item;
    }

    /// <summary>A copy, oldest first.</summary>
    public T[] ToArray()
    {
        var copy = new T[Count];
        for (var i = 0; i < Count; i++)
        {
            copy[i] = _items[(_start + i) % _items.Length];
        }

        return copy;
    }
}
