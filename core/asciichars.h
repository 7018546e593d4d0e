#pragma once

// Byte classes of the ASCII protocols Heiko parses (HTTP, percent-encoding): locale-free, unlike <cctype>.
namespace heiko::ascii {

constexpr bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// 0-15 for a hexadecimal digit of either case, -1 for anything else.
constexpr int hexValue(char c)
{
    if (isDigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace heiko::ascii
