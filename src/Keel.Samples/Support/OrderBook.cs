using System.Security.Cryptography;
using System.Text;

namespace Keel.Samples.Support;

/// <summary>A made-up shop's orders, derived from the order id so every run sees the same ones.</summary>
public static class OrderBook
{
    private static readonly string[] Items = ["blender", "desk lamp", "running shoes", "espresso machine", "backpack", "monitor", "headphones", "kettle"];

    public static Order? Find(string orderId)
    {
        if (!orderId.StartsWith("ORD-", StringComparison.Ordinal) || orderId.Length < 6)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(orderId));
        var amount = 15m + (BitConverter.ToUInt16(hash, 0) % 48_000) / 100m;
        var daysSinceDelivery = hash[2] % 45;
        return new Order(orderId, Items[hash[3] % Items.Length], amount, "USD", daysSinceDelivery, PaymentDeclines: hash[4] % 12 == 0);
    }
}

/// <summary>An order. When <c>PaymentDeclines</c>, the payment provider refuses its refund: the sample's failure path.</summary>
public sealed record Order(string OrderId, string Item, decimal Amount, string Currency, int DaysSinceDelivery, bool PaymentDeclines);
