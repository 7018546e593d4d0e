#include "idleconnections.h"

#include "platform.h"

namespace heiko {

IdleConnections::~IdleConnections()
{
    for (const QList<Entry> &list : std::as_const(m_idle)) {
        for (const Entry &e : list)
            platform::releaseConnection(e.held);
    }
}

quint64 IdleConnections::add(const QString &server, qintptr descriptor, const void *owner)
{
    const qintptr held = platform::holdConnection(descriptor);
    if (held < 0)
        return 0;
    const std::lock_guard locker(m_mutex);
    const quint64 token = ++m_lastToken;
    m_idle[server].append({ token, held, owner });
    m_serverOf.insert(token, server);
    return token;
}

bool IdleConnections::take(quint64 token)
{
    qintptr held = -1;
    {
        const std::lock_guard locker(m_mutex);
        const auto server = m_serverOf.constFind(token);
        if (server == m_serverOf.cend())
            return false;
        auto list = m_idle.find(*server);
        if (list != m_idle.end()) {
            list->removeIf([token, &held](const Entry &e) {
                if (e.token != token)
                    return false;
                held = e.held;
                return true;
            });
            if (list->isEmpty())
                m_idle.erase(list);
        }
        m_serverOf.erase(server);
    }
    platform::releaseConnection(held);
    return true;
}

int IdleConnections::endExcess(const QString &server, const void *owner, int allowed)
{
    QList<qintptr> ended;
    {
        const std::lock_guard locker(m_mutex);
        auto list = m_idle.find(server);
        if (list == m_idle.end())
            return 0;
        qsizetype others = 0;
        for (const Entry &e : std::as_const(*list))
            others += e.owner != owner ? 1 : 0;
        for (qsizetype i = 0; i < list->size() && others > qMax(0, allowed);) {
            const Entry e = list->at(i);
            if (e.owner == owner || !platform::endConnection(e.held)) {
                ++i;
                continue;
            }
            list->removeAt(i);
            m_serverOf.remove(e.token);
            ended.append(e.held);
            --others;
        }
        if (list->isEmpty())
            m_idle.erase(list);
    }
    for (const qintptr held : std::as_const(ended))
        platform::releaseConnection(held);
    return int(ended.size());
}

int IdleConnections::count(const QString &server) const
{
    const std::lock_guard locker(m_mutex);
    return int(m_idle.value(server).size());
}

} // namespace heiko
