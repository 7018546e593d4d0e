#include "connectionbudget.h"

#include <QtGlobal>

namespace heiko {

ConnectionBudget::ConnectionBudget(int perHostCap, int overallCap)
    : m_perHostCap(qMax(1, perHostCap))
    , m_overallCap(qMax(1, overallCap))
{ }

void ConnectionBudget::setCaps(int perHostCap, int overallCap)
{
    const std::lock_guard lock(m_mutex);
    m_perHostCap = qMax(1, perHostCap);
    m_overallCap = qMax(1, overallCap);
}

int ConnectionBudget::acquire(const QString &host, int wanted)
{
    const std::lock_guard lock(m_mutex);
    int &used = m_perHost[host];
    const int granted = qMax(0, qMin(wanted, qMin(m_perHostCap - used, m_overallCap - m_overall)));
    used += granted;
    m_overall += granted;
    if (used == 0)
        m_perHost.remove(host);
    return granted;
}

void ConnectionBudget::release(const QString &host, int count)
{
    if (count <= 0)
        return;
    const std::lock_guard lock(m_mutex);
    const auto it = m_perHost.find(host);
    if (it == m_perHost.end())
        return;
    const int released = qMin(count, it.value());
    it.value() -= released;
    m_overall -= released;
    if (it.value() == 0)
        m_perHost.erase(it);
}

int ConnectionBudget::inUse(const QString &host) const
{
    const std::lock_guard lock(m_mutex);
    return m_perHost.value(host);
}

int ConnectionBudget::inUseOverall() const
{
    const std::lock_guard lock(m_mutex);
    return m_overall;
}

bool ConnectionBudget::isFull(const QString &host) const
{
    const std::lock_guard lock(m_mutex);
    return m_perHost.value(host) >= m_perHostCap || m_overall >= m_overallCap;
}

bool ConnectionBudget::isFullOverall() const
{
    const std::lock_guard lock(m_mutex);
    return m_overall >= m_overallCap;
}

} // namespace heiko
